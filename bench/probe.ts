import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Loaded with `node --import ./bench/probe.ts` into the API or worker under benchmark, so
 * product code carries no bench hooks. Over IPC: 'reset' starts a measurement window,
 * 'read' answers event-loop delay percentiles and the peak RSS of the window.
 */
const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
let peakRss = process.memoryUsage.rss();
setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 25).unref();

process.on('message', (message) => {
  if (message === 'reset') {
    delay.reset();
    peakRss = process.memoryUsage.rss();
    process.send?.({ type: 'reset' });
  } else if (message === 'read') {
    process.send?.({
      type: 'probe',
      eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
      eventLoopDelayMaxMs: delay.max / 1e6,
      peakRssMb: Math.max(peakRss, process.memoryUsage.rss()) / 2 ** 20,
    });
  }
});
// The IPC channel must not keep a stopping process alive.
process.channel?.unref();
