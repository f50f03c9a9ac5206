package io.imdsprober.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A throw-away certificate authority made with the JDK's keytool: a server keystore for a host
 * name, and a trust store that the agent's JVM is pointed at through the standard {@code
 * javax.net.ssl.trustStore} properties.
 */
public final class TestCa {
  public static final String PASSWORD = "labpass";
  private final Path dir;

  private TestCa(Path dir) {
    this.dir = dir;
  }

  /** Makes a CA and a server certificate for {@code serverName} (a DNS SAN) under {@code dir}. */
  public static TestCa create(Path dir, String serverName) throws IOException {
    Files.createDirectories(dir);
    TestCa ca = new TestCa(dir);
    ca.keytool(
        "-genkeypair",
        "-alias",
        "ca",
        "-dname",
        "CN=imds-prober lab CA",
        "-ext",
        "bc:c",
        "-keyalg",
        "EC",
        "-validity",
        "2",
        "-keystore",
        "ca.p12");
    ca.keytool(
        "-genkeypair",
        "-alias",
        "server",
        "-dname",
        "CN=" + serverName,
        "-keyalg",
        "EC",
        "-validity",
        "2",
        "-keystore",
        "server.p12");
    ca.keytool("-certreq", "-alias", "server", "-keystore", "server.p12", "-file", "server.csr");
    ca.keytool(
        "-gencert",
        "-alias",
        "ca",
        "-keystore",
        "ca.p12",
        "-infile",
        "server.csr",
        "-outfile",
        "server.pem",
        "-rfc",
        "-validity",
        "2",
        "-ext",
        "SAN=dns:" + serverName);
    ca.keytool("-exportcert", "-alias", "ca", "-keystore", "ca.p12", "-rfc", "-file", "ca.pem");
    ca.keytool(
        "-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", "server.p12");
    ca.keytool("-importcert", "-alias", "server", "-file", "server.pem", "-keystore", "server.p12");
    ca.keytool(
        "-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", "trust.p12");
    return ca;
  }

  /** The trust store (PKCS12) that holds this CA's certificate. */
  public Path trustStore() {
    return dir.resolve("trust.p12");
  }

  public Path serverKeystore() {
    return dir.resolve("server.p12");
  }

  /** JVM flags that make the lab CA the only trusted one. */
  public List<String> trustFlags() {
    return trustFlags(trustStore());
  }

  /** The JVM flags that trust this CA through its trust store at {@code path} (a copy, say). */
  public static List<String> trustFlags(Path path) {
    return List.of(
        "-Djavax.net.ssl.trustStore=" + path,
        "-Djavax.net.ssl.trustStorePassword=" + PASSWORD,
        "-Djavax.net.ssl.trustStoreType=PKCS12");
  }

  private void keytool(String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("-storepass", PASSWORD, "-storetype", "PKCS12"));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes());
    try {
      if (p.waitFor() != 0) {
        throw new IOException("keytool " + String.join(" ", args) + " failed: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
