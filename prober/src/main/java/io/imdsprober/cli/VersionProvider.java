package io.imdsprober.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** The build's version, from a resource Maven fills in. */
public final class VersionProvider implements IVersionProvider {
  /** The version, or {@code unknown} outside a Maven build. */
  public static String version() {
    try (InputStream in =
        VersionProvider.class.getResourceAsStream("/io/imdsprober/version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  @Override
  public String[] getVersion() {
    return new String[] {"imds-prober " + version()};
  }
}
