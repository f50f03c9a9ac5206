package io.imdsprober.util;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Checks a Kubernetes label selector string before it is sent to the API server. */
public final class LabelSelectors {
  private static final String KEY =
      "(?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?";
  private static final String VALUE = "(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?";
  private static final Pattern EXISTS = Pattern.compile("!?\\s*" + KEY);
  private static final Pattern EQUALITY = Pattern.compile(KEY + "\\s*(?:==|!=|=)\\s*" + VALUE);
  private static final Pattern SET =
      Pattern.compile(
          KEY + "\\s+(?:in|notin)\\s*\\(\\s*" + VALUE + "(?:\\s*,\\s*" + VALUE + ")*\\s*\\)");

  private LabelSelectors() {}

  /**
   * The selector, trimmed, when every requirement in it is well formed.
   *
   * @throws IllegalArgumentException naming the first requirement that is not
   */
  public static String check(String selector) {
    String s = selector == null ? "" : selector.trim();
    for (String requirement : requirements(s)) {
      String r = requirement.trim();
      if (!EXISTS.matcher(r).matches()
          && !EQUALITY.matcher(r).matches()
          && !SET.matcher(r).matches()) {
        throw new IllegalArgumentException(
            "'"
                + r
                + "' is not a label requirement (key, !key, key=value, key!=value,"
                + " key in (a,b), key notin (a,b))");
      }
    }
    return s;
  }

  private static List<String> requirements(String s) {
    List<String> out = new ArrayList<>();
    if (s.isEmpty()) {
      return out;
    }
    int depth = 0;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        out.add(s.substring(start, i));
        start = i + 1;
      }
    }
    out.add(s.substring(start));
    return out;
  }
}
