package io.imdsprober.image;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Prints the real user and group of its own process ({@code uid=N gid=N}, from /proc/self/status):
 * the image test runs it with the image's java, since the image has no {@code id} to ask.
 */
public final class WhoAmI {
  private WhoAmI() {}

  public static void main(String[] args) throws Exception {
    String uid = null;
    String gid = null;
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("Uid:")) {
        uid = line.split("\\s+")[1];
      } else if (line.startsWith("Gid:")) {
        gid = line.split("\\s+")[1];
      }
    }
    System.out.println("uid=" + uid + " gid=" + gid);
  }
}
