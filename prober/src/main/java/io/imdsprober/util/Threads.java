package io.imdsprober.util;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Thread factories: every thread the prober starts is a named daemon. */
public final class Threads {
  private Threads() {}

  /** Daemon threads named {@code NAME-1}, {@code NAME-2}, … */
  public static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
