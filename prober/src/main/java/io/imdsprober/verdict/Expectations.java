package io.imdsprober.verdict;

import io.imdsprober.facts.FactWord;
import java.util.Map;
import java.util.Objects;

/**
 * What a namespace expects of each check: config defaults, overridden by the namespace's
 * annotations ({@code imds-prober.io/expect-metadata|expect-dns|expect-egress}).
 */
public record Expectations(Metadata metadata, Dns dns, Egress egress) {
  public static final String EXPECT_METADATA = "imds-prober.io/expect-metadata";
  public static final String EXPECT_DNS = "imds-prober.io/expect-dns";
  public static final String EXPECT_EGRESS = "imds-prober.io/expect-egress";

  /**
   * Metadata blocked, DNS and egress working: what a default-deny policy with a carve-out gives.
   */
  public static final Expectations DEFAULT = new Expectations(Metadata.BLOCKED, Dns.OK, Egress.OK);

  public Expectations {
    Objects.requireNonNull(metadata, "metadata");
    Objects.requireNonNull(dns, "dns");
    Objects.requireNonNull(egress, "egress");
  }

  /** Whether metadata must be blocked or is meant to be reachable. */
  public enum Metadata implements FactWord {
    BLOCKED,
    REACHABLE
  }

  /** Whether every DNS name must resolve, or anything goes. */
  public enum Dns implements FactWord {
    OK,
    ANY
  }

  /** Whether egress must work, must be blocked, or anything goes. */
  public enum Egress implements FactWord {
    OK,
    BLOCKED,
    ANY
  }

  /**
   * These expectations overridden by a namespace's annotations.
   *
   * @throws IllegalArgumentException naming the annotation and its bad value
   */
  public Expectations withAnnotations(Map<String, String> annotations) {
    Metadata m = override(annotations, EXPECT_METADATA, Metadata.class, metadata);
    Dns d = override(annotations, EXPECT_DNS, Dns.class, dns);
    Egress e = override(annotations, EXPECT_EGRESS, Egress.class, egress);
    return new Expectations(m, d, e);
  }

  private static <E extends Enum<E> & FactWord> E override(
      Map<String, String> annotations, String key, Class<E> type, E fallback) {
    String value = annotations == null ? null : annotations.get(key);
    if (value == null) {
      return fallback;
    }
    try {
      return FactWord.parse(type, value.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("annotation " + key + ": " + e.getMessage(), e);
    }
  }
}
