package io.imdsprober.sweep;

import io.fabric8.kubernetes.api.model.Toleration;
import io.imdsprober.config.Config;
import io.imdsprober.config.Keys;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What the admission policy's parameter object (manifests/components/admission-policy/params.yaml)
 * must state for the probe Jobs this configuration builds to be admitted: one entry per field of
 * the parameter object, each derived from one configuration key, rendered as the policy reads it.
 * Pure.
 */
public final class PolicyParams {
  /**
   * How the policy compares a field: the whole string, a comma-separated set, a line set, or a line
   * set each Job picks one line of (the policy admits what is among the lines, so every line the
   * prober may write must be stated; a line it never writes is not its concern).
   */
  enum Form {
    EXACT,
    COMMA_SET,
    LINE_SET,
    LINE_CHOICE
  }

  /** One field of the parameter object: its name, the key it comes from, its value. */
  public record Param(String field, String key, String value, Form form) {
    /** Whether the parameter object's {@code stated} value admits this one. */
    boolean admits(String stated) {
      return switch (form) {
        case EXACT -> stated.trim().equals(value.trim());
        case COMMA_SET -> items(stated, ",").equals(items(value, ","));
        case LINE_SET -> items(stated, "\n").equals(items(value, "\n"));
        case LINE_CHOICE -> items(stated, "\n").containsAll(items(value, "\n"));
      };
    }

    /**
     * What of this value {@code stated} does not admit: the lines it lacks for a line choice (the
     * others would be admitted), the whole value otherwise.
     */
    String denied(String stated) {
      if (form != Form.LINE_CHOICE) {
        return value;
      }
      Set<String> lines = items(value, "\n");
      lines.removeAll(items(stated, "\n"));
      return String.join("\n", lines);
    }

    /** The value on one line, for a message. */
    String shown(String v) {
      return form == Form.LINE_SET || form == Form.LINE_CHOICE
          ? String.join("; ", items(v, "\n"))
          : v;
    }
  }

  /** The keys the metadataTargets field derives from: any of them may be the one that differs. */
  static final String METADATA_KEYS =
      String.join(
          ", ",
          Keys.METADATA_PROFILE.name(),
          Keys.METADATA_TARGETS.name(),
          Keys.METADATA_ALLOWED.name());

  private PolicyParams() {}

  /** The parameter object's fields for {@code config} with the probe image {@code probeImage}. */
  public static List<Param> of(Config config, String probeImage) {
    List<Param> out = new ArrayList<>();
    out.add(exact("image", Keys.PROBE_IMAGE.name(), probeImage));
    out.add(
        exact(
            "command",
            Keys.PROBE_COMMAND.name(),
            String.join(" ", config.get(Keys.PROBE_COMMAND))));
    out.add(
        exact(
            "imagePullPolicy",
            Keys.PROBE_IMAGE_PULL_POLICY.name(),
            config.get(Keys.PROBE_IMAGE_PULL_POLICY)));
    out.add(
        new Param(
            "imagePullSecrets",
            Keys.PROBE_IMAGE_PULL_SECRETS.name(),
            String.join(",", config.get(Keys.PROBE_IMAGE_PULL_SECRETS)),
            Form.COMMA_SET));
    out.add(
        exact(
            "runAsUser",
            Keys.PROBE_RUN_AS_USER.name(),
            String.valueOf(config.get(Keys.PROBE_RUN_AS_USER))));
    out.add(exact("cpuRequest", Keys.PROBE_CPU_REQUEST.name(), config.get(Keys.PROBE_CPU_REQUEST)));
    out.add(
        exact(
            "memoryRequest",
            Keys.PROBE_MEMORY_REQUEST.name(),
            config.get(Keys.PROBE_MEMORY_REQUEST)));
    out.add(exact("cpuLimit", Keys.PROBE_CPU_LIMIT.name(), config.get(Keys.PROBE_CPU_LIMIT)));
    out.add(
        exact("memoryLimit", Keys.PROBE_MEMORY_LIMIT.name(), config.get(Keys.PROBE_MEMORY_LIMIT)));
    out.add(
        lines(
            "nodeSelector",
            Keys.PROBE_NODE_SELECTOR.name(),
            pairs(config.get(Keys.PROBE_NODE_SELECTOR))));
    out.add(
        lines(
            "annotations",
            Keys.PROBE_ANNOTATIONS.name(),
            pairs(config.get(Keys.PROBE_ANNOTATIONS))));
    out.add(
        lines(
            "tolerations",
            Keys.PROBE_TOLERATIONS.name(),
            config.get(Keys.PROBE_TOLERATIONS).stream().map(PolicyParams::toleration).toList()));
    out.add(
        exact(
            "priorityClassName",
            Keys.PROBE_PRIORITY_CLASS.name(),
            config.get(Keys.PROBE_PRIORITY_CLASS)));
    out.add(exact("dnsNames", Keys.DNS_NAMES.name(), AgentSettings.dnsNames(config)));
    out.add(exact("egressUrls", Keys.EGRESS_URLS.name(), AgentSettings.egressUrls(config)));
    out.add(
        exact(
            "connectTimeout",
            Keys.PROBE_CONNECT_TIMEOUT.name(),
            AgentSettings.connectTimeout(config)));
    out.add(exact("settle", Keys.PROBE_SETTLE.name(), AgentSettings.settle(config)));
    out.add(exact("retries", Keys.PROBE_RETRIES.name(), AgentSettings.retries(config)));
    out.add(
        new Param(
            "metadataTargets",
            METADATA_KEYS,
            AgentSettings.metadataByProfile(config).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n")),
            Form.LINE_CHOICE));
    return out;
  }

  /**
   * The first field the parameter object {@code data} states differently from {@code params}, as a
   * message naming the key; empty when it admits them all. A field it does not state is not checked
   * (a parameter object from before that field: its policy does not read it).
   */
  public static Optional<String> mismatch(
      List<Param> params, Map<String, String> data, String where) {
    for (Param p : params) {
      String stated = data.get(p.field());
      if (stated != null && !p.admits(stated)) {
        return Optional.of(
            p.key()
                + " '"
                + p.shown(p.denied(stated))
                + "' is not the "
                + p.field()
                + " the admission policy allows, '"
                + p.shown(stated)
                + "' (ConfigMap "
                + where
                + "): every probe Job would be denied");
      }
    }
    return Optional.empty();
  }

  /** A toleration as the policy renders it: key,operator,value,effect,tolerationSeconds. */
  static String toleration(Toleration t) {
    return String.join(
        ",",
        Objects.toString(t.getKey(), ""),
        Objects.toString(t.getOperator(), ""),
        Objects.toString(t.getValue(), ""),
        Objects.toString(t.getEffect(), ""),
        Objects.toString(t.getTolerationSeconds(), ""));
  }

  private static List<String> pairs(Map<String, String> map) {
    return map.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
  }

  private static Param exact(String field, String key, String value) {
    return new Param(field, key, value, Form.EXACT);
  }

  private static Param lines(String field, String key, List<String> lines) {
    return new Param(field, key, String.join("\n", lines), Form.LINE_SET);
  }

  private static Set<String> items(String text, String separator) {
    return Arrays.stream(text.split(separator, -1))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .collect(Collectors.toCollection(TreeSet::new));
  }
}
