package io.imdsprober.sweep;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Sweep ids: a UTC time and 4 random characters, valid as a label value and in a Job name. */
public final class SweepIds {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private SweepIds() {}

  /** A new id such as {@code 20261126-163500-k3x9}. */
  public static String next(Instant now) {
    StringBuilder sb = new StringBuilder(TIME.format(now)).append('-');
    for (int i = 0; i < 4; i++) {
      sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }
}
