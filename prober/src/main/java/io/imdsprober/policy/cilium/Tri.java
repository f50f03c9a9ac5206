package io.imdsprober.policy.cilium;

/**
 * Yes, no, or not known (with why): whether a selector selects a pod, whether a rule holds a
 * destination, whether a rule puts a pod in default deny.
 *
 * @param known whether the answer is known
 * @param yes the answer, when known
 * @param why why it is not known (naming the field), or null
 */
record Tri(boolean known, boolean yes, String why) {
  static final Tri YES = new Tri(true, true, null);
  static final Tri NO = new Tri(true, false, null);

  static Tri of(boolean yes) {
    return yes ? YES : NO;
  }

  static Tri unknown(String why) {
    return new Tri(false, false, why);
  }

  /** Not NO: yes, or possibly. */
  boolean maybe() {
    return !known || yes;
  }

  /** Both: NO wins, then unknown, then YES. */
  Tri and(Tri other) {
    if (known && !yes || other.known && !other.yes) {
      return NO;
    }
    return known ? other : this;
  }
}
