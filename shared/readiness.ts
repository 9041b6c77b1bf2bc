export type ReadinessChecks = Record<string, () => Promise<void>>;

export interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean; error?: string }>;
}

/** A probe that has not answered by then counts as failed: /ready must answer promptly. */
const CHECK_TIMEOUT_MS = 2000;

export async function checkReadiness(
  checks: ReadinessChecks,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<Readiness> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([check(), late]);
        return [name, { ok: true }] as const;
      } catch (error) {
        return [
          name,
          { ok: false, error: (error as Error).message || (error as Error).name },
        ] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return {
    ready: entries.every(([, result]) => result.ok),
    checks: Object.fromEntries(entries),
  };
}
