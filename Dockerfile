# One image for the prober (serve, sweep) and its probe pods (probe).
#   docker build --build-arg VERSION=0.1.0 -t ghcr.io/imds-prober/imds-prober:0.1.0 .
# VERSION is what --version and imds_prober_build_info say (a release has no -SNAPSHOT).
# BUILD_IMAGE is a JDK with a shell (stage 1 builds the shaded jar with the Maven wrapper);
# RUNTIME_IMAGE is a Java 17 runtime with no shell and no package manager (DESIGN.md
# "Guardrails": a tenant who gets a process into a probe pod finds no shell to run): distroless by
# default. Stage 2 adds the jar, the JVM option files and a CDS archive for fast probe start-up,
# made by the runtime's own JVM with exec-form RUN lines (no shell needed), and runs as 65532.
ARG BUILD_IMAGE=eclipse-temurin:17-jdk
ARG RUNTIME_IMAGE=gcr.io/distroless/java17-debian12

FROM ${BUILD_IMAGE} AS build
ARG VERSION=0.1.0-SNAPSHOT
WORKDIR /src
# dependencies first, so a source change does not download them again
COPY mvnw pom.xml ./
COPY .mvn .mvn
COPY prober/pom.xml prober/pom.xml
RUN ./mvnw -B -ntp -q -pl prober -Drevision=${VERSION} dependency:go-offline
COPY prober/src prober/src
COPY jvm jvm
RUN ./mvnw -B -ntp -q -Drevision=${VERSION} -DskipTests package
# What stage 2 copies, laid out as in the image. probe.options names the CDS archive that stage 2
# makes; probe-training.options is the same without it, for the run that makes the archive.
RUN mkdir -p /out \
 && cp prober/target/imds-prober.jar jvm/serve.options /out/ \
 && cp jvm/probe.options /out/probe-training.options \
 && cat jvm/probe.options > /out/probe.options \
 && echo "-XX:SharedArchiveFile=/opt/imds-prober/probe.jsa" >> /out/probe.options

FROM ${RUNTIME_IMAGE}
LABEL org.opencontainers.image.title="IMDS Prober" \
      org.opencontainers.image.description="Proves from inside the cluster that pods cannot reach the cloud instance metadata service" \
      org.opencontainers.image.source="https://github.com/imds-prober/imds-prober" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /opt/imds-prober
COPY --from=build /out/ /opt/imds-prober/
# The JDK's own base CDS archive, which a dynamic archive builds on (a runtime image assembled
# from packages may lack it); then the CDS archive of the probe agent's classes, from a training
# run that touches loopback only (nothing listens there: every check is refused at once). Probe
# pods run "java @/opt/imds-prober/probe.options -jar /opt/imds-prober/imds-prober.jar probe"
# (the probe.command key). The training run names the jar by that same absolute path: an archive
# made with a relative one does not match in a pod, and the JVM says so (on stderr: probe.options
# sends every JVM warning there, so the agent's stdout carries only its JSON).
RUN ["java", "-Xshare:dump", "-Xlog:cds=off"]
RUN ["java", "@/opt/imds-prober/probe-training.options", "-Xlog:cds=off", "-Xlog:cds+dynamic=off", \
     "-XX:ArchiveClassesAtExit=/opt/imds-prober/probe.jsa", \
     "-jar", "/opt/imds-prober/imds-prober.jar", "probe", "--metadata", "127.0.0.1:9", \
     "--dns-server", "127.0.0.1:9", "--egress-url", "https://127.0.0.1:9/", \
     "--connect-timeout", "1s", "--settle", "0s", "--result-file", "-"]
RUN ["java", "@/opt/imds-prober/probe.options", "-jar", "/opt/imds-prober/imds-prober.jar", "--version"]
# the UID the manifests and the probe pods run as (runAsUser 65532)
USER 65532:65532
ENTRYPOINT ["java", "@/opt/imds-prober/serve.options", "-jar", "/opt/imds-prober/imds-prober.jar"]
CMD ["--help"]
