# One image for the prober (serve, sweep) and its probe pods (probe), from the jar Maven built:
#   ./mvnw -B package -Drevision=0.1.0
#   docker build -t ghcr.io/imds-prober/imds-prober:0.1.0 .      # or: buildah bud -t ... .
# The build copies prober/target/imds-prober.jar and reaches no network: no Maven download inside
# the build, so nothing to set up behind a proxy that re-signs TLS (its CA, settings.xml), and the
# image carries the very jar that `./mvnw verify` tested. The version is the jar's (-Drevision).
# BUILD_IMAGE is a JDK with a shell (keytool and cp in the first stage); RUNTIME_IMAGE is a Java 17
# runtime with java on the PATH and no shell and no package manager (DESIGN.md "Guardrails": a
# tenant who gets a process into a probe pod finds no shell to run): distroless by default.
# ImageBuildIT builds this file with base images it makes from Debian packages.
# The train stage makes the probe's CDS archive on that runtime; the last stage adds the jar, the
# JVM option files and that archive, and runs as 65532.
ARG BUILD_IMAGE=eclipse-temurin:17-jdk
ARG RUNTIME_IMAGE=gcr.io/distroless/java17-debian12

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY prober/target/imds-prober.jar prober/target/imds-prober.jar
COPY jvm jvm
# What the later stages copy, laid out as in the image. probe.options names the CDS archive that
# the training stage makes; probe-training.options is the same without it, for the training run.
# training.p12: a throw-away key and certificate for localhost, which only the training stage
# sees (the training run serves HTTPS on loopback with it); the image does not carry it.
RUN mkdir -p /out /train \
 && cp prober/target/imds-prober.jar jvm/serve.options /out/ \
 && cp jvm/probe.options /out/probe-training.options \
 && cat jvm/probe.options > /out/probe.options \
 && echo "-XX:SharedArchiveFile=/opt/imds-prober/base.jsa:/opt/imds-prober/probe.jsa" >> /out/probe.options \
 && keytool -genkeypair -alias training -keyalg EC -dname CN=localhost \
      -ext san=dns:localhost,ip:127.0.0.1 -validity 2 -storetype PKCS12 \
      -keystore /train/training.p12 -storepass training

# The CDS archives of the probe agent's whole path, made by the runtime's own JVM (exec-form RUN
# lines: no shell needed): first a base archive of the JDK's classes (a dynamic archive is checked
# against the checksum of the very base archive it was made on, and two dumps differ, so the image
# carries this one), then a training run of the agent
# (io.imdsprober.cli.CdsTraining) that reaches a loopback HTTPS host it serves itself, so the TLS
# handshake's classes are archived too, and fails the build when it does not. The jar is named by
# the absolute path the probe pods use: an archive made with another one does not match in a pod.
FROM ${RUNTIME_IMAGE} AS train
WORKDIR /opt/imds-prober
COPY --from=build /out/ /opt/imds-prober/
COPY --from=build /train/training.p12 /train/training.p12
RUN ["java", "-Xshare:dump", "-XX:SharedArchiveFile=/opt/imds-prober/base.jsa", "-Xlog:cds=off"]
RUN ["java", "@/opt/imds-prober/probe-training.options", "-Xlog:cds=off", "-Xlog:cds+dynamic=off", \
     "-XX:SharedArchiveFile=/opt/imds-prober/base.jsa", \
     "-XX:ArchiveClassesAtExit=/opt/imds-prober/probe.jsa", \
     "-cp", "/opt/imds-prober/imds-prober.jar", "io.imdsprober.cli.CdsTraining", \
     "/train/training.p12", "training"]

FROM ${RUNTIME_IMAGE}
LABEL org.opencontainers.image.title="IMDS Prober" \
      org.opencontainers.image.description="Proves from inside the cluster that pods cannot reach the cloud instance metadata service" \
      org.opencontainers.image.source="https://github.com/imds-prober/imds-prober" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /opt/imds-prober
COPY --from=build /out/ /opt/imds-prober/
COPY --from=train /opt/imds-prober/base.jsa /opt/imds-prober/probe.jsa /opt/imds-prober/
# The JDK's default archive for serve and sweep, then a check that the probe's two archives map:
# -Xshare:on fails the build where -Xshare:auto would go on without them. Probe pods run "java @/opt/imds-prober/probe.options -jar /opt/imds-prober/imds-prober.jar
# probe" (the probe.command key); probe.options sends every JVM warning to stderr, so the agent's
# stdout carries only its JSON.
RUN ["java", "-Xshare:dump", "-Xlog:cds=off"]
RUN ["java", "@/opt/imds-prober/probe.options", "-Xshare:on", "-jar", "/opt/imds-prober/imds-prober.jar", "--version"]
# the UID the manifests and the probe pods run as (runAsUser 65532)
USER 65532:65532
ENTRYPOINT ["java", "@/opt/imds-prober/serve.options", "-jar", "/opt/imds-prober/imds-prober.jar"]
CMD ["--help"]
