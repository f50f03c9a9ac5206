package io.imdsprober.probe;

import io.imdsprober.facts.DnsResult;
import io.imdsprober.facts.EgressResult;
import io.imdsprober.facts.Facts;
import io.imdsprober.facts.Facts.DnsFact;
import io.imdsprober.facts.Facts.EgressFact;
import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.facts.MetadataTarget;
import io.imdsprober.facts.TcpResult;
import io.imdsprober.facts.TokenResult;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs every check of a plan at once, one thread each, and gathers the facts. Total time is bounded
 * by the slowest check, not the sum; a check that overruns its own bound is reported as an error,
 * never waited for without end.
 */
public final class ProbeAgent {
  private final ProbePlan plan;

  public ProbeAgent(ProbePlan plan) {
    this.plan = plan;
  }

  /** Runs all checks and returns the facts; never throws for a network outcome. */
  public Facts run() {
    Instant started = Instant.now();
    long t0 = System.nanoTime();
    Queue<String> errors = new ConcurrentLinkedQueue<>();
    int tasks = plan.metadata().size() + plan.dnsNames().size() + plan.egressUrls().size();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.max(1, tasks),
            r -> {
              Thread t = new Thread(r, "probe-check");
              t.setDaemon(true);
              return t;
            });
    try {
      MetadataCheck metadataCheck = new MetadataCheck(plan);
      List<CompletableFuture<MetadataFact>> metadata =
          submit(pool, plan.metadata(), t -> metadataCheck.run(t, errors::add));
      DnsCheck dnsCheck =
          plan.dnsNames().isEmpty() ? null : new DnsCheck(plan.dnsServer(), plan.timeout());
      List<CompletableFuture<DnsFact>> dns =
          submit(pool, plan.dnsNames(), n -> dnsCheck.run(n, errors::add));
      List<CompletableFuture<EgressFact>> egress =
          plan.egressUrls().isEmpty()
              ? List.of()
              : submitEgress(pool, plan.egressUrls(), errors::add);

      long deadline = t0 + bound().toNanos();
      List<MetadataFact> m = new ArrayList<>();
      for (int i = 0; i < metadata.size(); i++) {
        MetadataTarget target = plan.metadata().get(i);
        m.add(await(metadata.get(i), deadline, errors, target.hostPort(), () -> overrun(target)));
      }
      List<DnsFact> d = new ArrayList<>();
      for (int i = 0; i < dns.size(); i++) {
        String name = plan.dnsNames().get(i);
        d.add(
            await(
                dns.get(i),
                deadline,
                errors,
                "dns " + name,
                () ->
                    new DnsFact(
                        name,
                        plan.dnsServer().toString(),
                        "udp",
                        DnsResult.ERROR,
                        elapsed(t0),
                        0)));
      }
      List<EgressFact> e = new ArrayList<>();
      for (int i = 0; i < egress.size(); i++) {
        String url = plan.egressUrls().get(i).toString();
        e.add(
            await(
                egress.get(i),
                deadline,
                errors,
                "egress " + url,
                () -> new EgressFact(url, EgressResult.ERROR, null, elapsed(t0))));
      }
      return new Facts(
          Facts.VERSION,
          plan.pod(),
          plan.node(),
          started.toString(),
          elapsed(t0),
          m,
          d,
          e,
          List.copyOf(errors));
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Egress requests share one HTTP client, built on a check thread: loading TLS and OkHttp must not
   * delay the metadata connects, which start first.
   */
  private List<CompletableFuture<EgressFact>> submitEgress(
      ExecutorService pool, List<URI> urls, Consumer<String> errors) {
    CompletableFuture<EgressCheck> check =
        CompletableFuture.supplyAsync(() -> new EgressCheck(plan.timeout()), pool);
    List<CompletableFuture<EgressFact>> futures = new ArrayList<>();
    for (URI url : urls) {
      futures.add(check.thenApplyAsync(c -> c.run(url, errors), pool));
    }
    return futures;
  }

  private static <T, R> List<CompletableFuture<R>> submit(
      ExecutorService pool, List<T> inputs, Function<T, R> check) {
    List<CompletableFuture<R>> futures = new ArrayList<>();
    for (T input : inputs) {
      futures.add(CompletableFuture.supplyAsync(() -> check.apply(input), pool));
    }
    return futures;
  }

  private static <R> R await(
      CompletableFuture<R> future,
      long deadlineNanos,
      Queue<String> errors,
      String what,
      Supplier<R> fallback) {
    try {
      return future.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      errors.add(what + ": the check did not finish within its bound");
    } catch (ExecutionException e) {
      AgentLog.warn("ProbeAgent", what + ": the check failed", e.getCause());
      errors.add(what + ": the check failed: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      errors.add(what + ": interrupted");
    }
    return fallback.get();
  }

  private MetadataFact overrun(MetadataTarget target) {
    return new MetadataFact(
        target.hostPort(),
        plan.profile(),
        target.mode(),
        TcpResult.ERROR,
        null,
        null,
        null,
        TokenResult.NOT_TRIED,
        0,
        null);
  }

  /**
   * The longest any check may take: a metadata target that stays open makes {@code retries + 1}
   * connects with {@code retries} settles between them, then the safe request and the token
   * request; plus a margin for scheduling.
   */
  Duration bound() {
    Duration t = plan.timeout();
    return t.multipliedBy(plan.retries() + 4L)
        .plus(plan.settle().multipliedBy(plan.retries()))
        .plusSeconds(2);
  }

  private static long elapsed(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }
}
