package io.imdsprober.changes;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Namespaces waiting for a re-probe after a change (DESIGN.md "Scale and freshness"), debounced and
 * coalesced: a namespace is due once no change has come for {@code debounce}, or once its first
 * change is {@code maxWait} old (a storm of changes cannot postpone it for ever); any number of
 * changes before that make one re-probe. Pure: the caller gives the time.
 */
public final class ChangeQueue {
  /** A namespace due for a re-probe, and when its first change since the last one was seen. */
  public record Due(String namespace, Instant firstSeen) {}

  private record Pending(Instant first, Instant last) {}

  private final Duration debounce;
  private final Duration maxWait;
  private final Map<String, Pending> pending = new LinkedHashMap<>();

  public ChangeQueue(Duration debounce, Duration maxWait) {
    this.debounce = debounce;
    this.maxWait = maxWait;
  }

  /** A change to {@code namespace} was seen at {@code at}. */
  public synchronized void changed(String namespace, Instant at) {
    Pending p = pending.get(namespace);
    pending.put(namespace, p == null ? new Pending(at, at) : new Pending(p.first(), at));
  }

  /**
   * Takes the namespaces due at {@code now}, in the order of their first change, leaving those that
   * are {@code busy} (a probe of them in flight) for later.
   */
  public synchronized List<Due> take(Instant now, Predicate<String> busy) {
    List<Due> out = new ArrayList<>();
    for (Iterator<Map.Entry<String, Pending>> it = pending.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Pending> e = it.next();
      Pending p = e.getValue();
      boolean quiet = !now.isBefore(p.last().plus(debounce));
      boolean waited = !now.isBefore(p.first().plus(maxWait));
      if ((quiet || waited) && !busy.test(e.getKey())) {
        out.add(new Due(e.getKey(), p.first()));
        it.remove();
      }
    }
    return out;
  }

  /** How many namespaces wait. */
  public synchronized int size() {
    return pending.size();
  }

  /** Forgets every pending change (this replica stopped leading). */
  public synchronized void clear() {
    pending.clear();
  }
}
