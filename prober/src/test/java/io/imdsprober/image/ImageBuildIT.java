package io.imdsprober.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.imdsprober.config.Keys;
import io.imdsprober.facts.Facts;
import io.imdsprober.facts.Facts.DnsFact;
import io.imdsprober.facts.Facts.EgressFact;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.facts.TcpResult;
import io.imdsprober.lab.NetLab;
import io.imdsprober.lab.ProbeLab;
import io.imdsprober.lab.ProbeLab.AgentRun;
import io.imdsprober.lab.TestCa;
import io.imdsprober.lab.Tools;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Dockerfile, built and run: base images made here from Debian's packages (mmdebstrap), the
 * image built from them with {@code buildah bud --isolation chroot} inside a network namespace of
 * its own (loopback only: the build needs no network), then run with {@code buildah run}. Needs
 * root, ip, buildah and mmdebstrap: skipped with the reason where one is missing, failed under
 * CI=true. Runs after {@code package} (failsafe): the image takes the jar Maven built.
 */
@Tag("image")
@DisplayName("the image, built with buildah on Debian base images and run (needs root, buildah)")
class ImageBuildIT {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path JAR = ROOT.resolve("prober/target/imds-prober.jar");
  private static final String IMAGE = "localhost/imds-prober-test/imds-prober:it";
  private static final String APP = "/opt/imds-prober/imds-prober.jar";
  private static final String V4 = "169.254.169.254";

  @TempDir static Path work;
  private static Buildah buildah;
  private static String ctr;
  private static ProbeLab lab;

  @BeforeAll
  static void build() throws Exception {
    NetLab.requireNetns();
    Path buildahBin = Tools.require("buildah", "buildah");
    Tools.require("mmdebstrap", "mmdebstrap");
    if (!Files.isRegularFile(JAR)) {
      Tools.unavailable("no " + JAR + ": the image test runs after package (./mvnw verify)");
    }
    buildah = new Buildah(buildahBin, cacheDir());
    long t0 = System.nanoTime();
    String jdk = BaseImages.ensure(buildah, work, BaseImages.JDK);
    String jre = BaseImages.ensure(buildah, work, BaseImages.JRE);
    long t1 = System.nanoTime();
    try (NetLab net = new NetLab()) {
      String ns = net.namespace("build");
      net.verifyIsolated();
      List<String> bud = new ArrayList<>(List.of("ip", "netns", "exec", ns));
      bud.addAll(buildah.prefix());
      bud.addAll(
          List.of(
              "bud",
              "--isolation",
              "chroot",
              "--network",
              "host",
              "--pull=never",
              "--build-arg",
              "BUILD_IMAGE=" + jdk,
              "--build-arg",
              "RUNTIME_IMAGE=" + jre,
              "-f",
              ROOT.resolve("Dockerfile").toString(),
              "-t",
              IMAGE,
              ROOT.toString()));
      Buildah.Result r = Buildah.execLine(Duration.ofMinutes(20), bud);
      assertThat(r.exit()).as("buildah bud: %s", r.both()).isZero();
    }
    long t2 = System.nanoTime();
    buildah.exec(Duration.ofMinutes(2), List.of("rmi", "--prune"));
    String size =
        buildah.ok(Duration.ofMinutes(1), "images", "--format", "{{.Size}}", IMAGE).strip();
    System.out.printf(
        "ImageBuildIT: %s is %s; base images %d s, build %d s%n",
        IMAGE, size, (t1 - t0) / 1_000_000_000, (t2 - t1) / 1_000_000_000);
    ctr = buildah.from(IMAGE);
    lab = new ProbeLab(work);
  }

  @AfterAll
  static void cleanUp() {
    if (lab != null) {
      lab.close();
    }
    if (ctr != null) {
      buildah.rm(ctr);
    }
  }

  /** The tests' buildah storage: kept between runs (the base images are its cache). */
  private static Path cacheDir() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path cache =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return cache.resolve("imds-prober").resolve("image-test");
  }

  @Test
  @DisplayName("the entrypoint with --version prints the version of the jar Maven built")
  void version() throws Exception {
    JsonNode config =
        JsonMapper.builder()
            .build()
            .readTree(buildah.ok(Duration.ofMinutes(1), "inspect", "--type", "image", IMAGE))
            .path("OCIv1")
            .path("config");
    List<String> cmd = new ArrayList<>();
    config.path("Entrypoint").forEach(part -> cmd.add(part.asString()));
    assertThat(cmd).as("the entrypoint").isNotEmpty();
    cmd.add("--version");
    Buildah.Result inImage = buildah.run(ctr, List.of(), cmd);
    assertThat(inImage.exit()).as(inImage.both()).isZero();
    Buildah.Result direct =
        Buildah.execLine(
            Duration.ofMinutes(1), List.of(java(), "-jar", JAR.toString(), "--version"));
    assertThat(direct.stdout()).startsWith("imds-prober ");
    assertThat(inImage.stdout()).isEqualTo(direct.stdout());
    assertThat(inImage.stderr()).as("no JVM warning").isEmpty();
  }

  @Test
  @DisplayName("the runtime has java and no shell, interpreter or package manager")
  void noShell() {
    Path fs = buildah.mount(ctr);
    assertThat(fs.resolve("usr/bin/java")).exists();
    for (String path :
        List.of(
            "bin/sh",
            "usr/bin/sh",
            "bin/bash",
            "bin/dash",
            "usr/bin/perl",
            "usr/bin/awk",
            "usr/bin/dpkg",
            "usr/bin/apt",
            "usr/bin/apt-get")) {
      assertThat(Files.exists(fs.resolve(path), LinkOption.NOFOLLOW_LINKS)).as(path).isFalse();
    }
    Buildah.Result sh = buildah.run(ctr, List.of(), List.of("/bin/sh", "-c", "echo shell"));
    assertThat(sh.exit()).isNotZero();
    assertThat(sh.stdout()).doesNotContain("shell");
    assertThat(sh.stderr()).contains("no such file");
  }

  @Test
  @DisplayName("processes run as the probe pods' user, 65532, not root")
  void user() throws Exception {
    int runAsUser = Keys.PROBE_RUN_AS_USER.parse(Keys.PROBE_RUN_AS_USER.defaultValue(), "default");
    assertThat(buildah.inspectImage(IMAGE, "{{.OCIv1.Config.User}}"))
        .isEqualTo(runAsUser + ":" + runAsUser);
    Path classes =
        Path.of(WhoAmI.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Buildah.Result who =
        buildah.run(
            ctr,
            List.of("-v", classes + ":/test-classes:ro"),
            List.of("java", "-Xshare:auto", "-cp", "/test-classes", WhoAmI.class.getName()));
    assertThat(who.exit()).as(who.both()).isZero();
    assertThat(who.stdout().strip()).isEqualTo("uid=" + runAsUser + " gid=" + runAsUser);
  }

  @Test
  @DisplayName(
      "probe (the pods' command) maps the image's CDS archives: the agent's classes load from"
          + " them, and no CDS warning")
  void cds() throws Exception {
    lab.imds.send("profile plain");
    lab.policyAll("blackhole");
    List<String> flags = flags("--metadata", V4 + ":80");
    AgentRun plain = inImage(List.of(), flags);
    assertThat(plain.exit()).as(plain.stderr()).isZero();
    assertThat(plain.stderr().toLowerCase()).doesNotContain("cds").doesNotContain("shar");
    AgentRun logged = inImage(List.of("-Xshare:on", "-Xlog:class+load=info:stderr"), flags);
    assertThat(logged.exit()).as(logged.stderr()).isZero();
    // every class of the project's that the probe loads comes from the archive the training run
    // made (a class missing there is read from the jar at every probe: training lost a path)
    assertThat(logged.stderr().lines().filter(l -> l.contains("[class,load] io.imdsprober.")))
        .isNotEmpty()
        .allMatch(l -> l.endsWith("source: shared objects file (top)"));
    assertThat(comparable(logged.facts())).isEqualTo(comparable(plain.facts()));
  }

  @Test
  @DisplayName(
      "the agent in the image, in the lab's pod namespace, finds what the jar run directly finds:"
          + " metadata open (AWS IMDSv1) and IPv6 dropped")
  void sameFactsOpen() throws Exception {
    lab.imds.send("profile aws-v1");
    lab.policyAll("open");
    lab.policy(ProbeLab.METADATA_V6, "blackhole");
    Facts image = sameFacts(flags("--profile", "aws"));
    assertThat(image.metadata().get(0).tcp()).isEqualTo(TcpResult.CONNECTED);
    assertThat(image.metadata().get(0).http()).isEqualTo(200);
    assertThat(image.metadata().get(1).tcp()).isEqualTo(TcpResult.TIMEOUT);
  }

  @Test
  @DisplayName(
      "the agent in the image finds what the jar finds: metadata dropped and refused by ICMP")
  void sameFactsBlocked() throws Exception {
    lab.imds.send("profile plain");
    lab.policyAll("open");
    lab.policy(V4, "blackhole");
    lab.policy("100.100.100.200", "prohibit");
    Facts image = sameFacts(flags("--metadata", V4 + ":80", "--metadata", "100.100.100.200:80"));
    assertThat(image.metadata())
        .extracting(MetadataFact::tcp)
        .containsExactly(TcpResult.TIMEOUT, TcpResult.UNREACHABLE);
  }

  /** Probes from the image and from the jar; their facts are the same but for timings. */
  private static Facts sameFacts(List<String> flags) throws Exception {
    AgentRun image = inImage(List.of(), flags);
    AgentRun jar = direct(flags);
    assertThat(image.exit()).as(image.stderr()).isZero();
    assertThat(jar.exit()).as(jar.stderr()).isZero();
    assertThat(image.resultFileContent()).isEqualTo(image.stdout().strip());
    assertThat(image.facts().egress()).isNotEmpty().allMatch(e -> e.http() != null);
    assertThat(image.facts().dns()).isNotEmpty();
    assertThat(comparable(image.facts())).isEqualTo(comparable(jar.facts()));
    return image.facts();
  }

  private static List<String> flags(String... extra) {
    List<String> f =
        new ArrayList<>(
            List.of(
                "--connect-timeout",
                "1s",
                "--settle",
                "200ms",
                "--retries",
                "1",
                "--egress-url",
                "https://" + ProbeLab.EGRESS_HOST + "/"));
    f.addAll(List.of(extra));
    return f;
  }

  /**
   * The probe pods' command ({@code probe.command} + {@code probe}) in the image, in the lab's pod
   * namespace, trusting the lab CA; the result file in a folder the image's user may write.
   */
  private static AgentRun inImage(List<String> jvmFlags, List<String> flags) throws Exception {
    Path out = Files.createTempDirectory(work, "image-out");
    Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxrwxrwx"));
    List<String> cmd =
        new ArrayList<>(Keys.PROBE_COMMAND.parse(Keys.PROBE_COMMAND.defaultValue(), "default"));
    List<String> jvm = new ArrayList<>(TestCa.trustFlags(Path.of("/lab/trust.p12")));
    jvm.addAll(jvmFlags);
    cmd.addAll(cmd.indexOf("-jar"), jvm);
    cmd.addAll(List.of("probe", "--result-file", "/lab/out/result.json"));
    cmd.addAll(List.of("--pod-name", "probe-test"));
    cmd.addAll(flags);
    List<String> line =
        buildah.runLine(
            ctr,
            List.of("-v", lab.trustStore() + ":/lab/trust.p12:ro", "-v", out + ":/lab/out"),
            cmd);
    return lab.run(line, out.resolve("result.json"), Map.of());
  }

  /**
   * The jar Maven built, run directly with the repository's probe.options, in the pod namespace.
   */
  private static AgentRun direct(List<String> flags) throws Exception {
    Path result = Files.createTempFile(work, "jar-result", ".json");
    List<String> cmd = new ArrayList<>(List.of(java(), "@" + ROOT.resolve("jvm/probe.options")));
    cmd.addAll(TestCa.trustFlags(lab.trustStore()));
    cmd.addAll(List.of("-jar", JAR.toString(), "probe", "--result-file", result.toString()));
    cmd.addAll(List.of("--pod-name", "probe-test"));
    cmd.addAll(flags);
    return lab.run(cmd, result, Map.of());
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** The facts without what varies from run to run: times and durations. */
  private static List<Object> comparable(Facts f) {
    List<Object> out = new ArrayList<>();
    out.add(f.v());
    out.add(f.pod());
    out.add(f.node());
    for (MetadataFact m : f.metadata()) {
      out.add(
          List.of(
              m.target(),
              String.valueOf(m.profile()),
              String.valueOf(m.mode()),
              String.valueOf(m.tcp()),
              String.valueOf(m.http()),
              String.valueOf(m.fingerprint()),
              String.valueOf(m.token()),
              m.attempts(),
              m.openedThenBlockedMs() != null));
    }
    for (DnsFact d : f.dns()) {
      out.add(
          List.of(
              String.valueOf(d.name()),
              String.valueOf(d.server()),
              String.valueOf(d.proto()),
              String.valueOf(d.result()),
              d.answers()));
    }
    for (EgressFact e : f.egress()) {
      out.add(
          List.of(String.valueOf(e.url()), String.valueOf(e.result()), String.valueOf(e.http())));
    }
    out.add(f.errors());
    return out;
  }
}
