package io.imdsprober.compliance;

import java.util.Objects;

/**
 * One entry of a framework auditors use, that a finding maps to.
 *
 * @param framework the framework's short, stable key ({@code mitre-attack}, {@code cis-gke}, ...)
 * @param id the entry's identifier in that framework ({@code T1552.005}, {@code 5.4.1})
 * @param title the entry's title as the framework writes it
 * @param url where the entry is described
 */
public record Reference(String framework, String id, String title, String url) {
  public Reference {
    Objects.requireNonNull(framework, "framework");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(url, "url");
  }
}
