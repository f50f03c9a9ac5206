package io.imdsprober.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SweepSchedulerTest {
  @Test
  @DisplayName(
      "a sweep at start, then on the interval; never two at once; missed fires are dropped")
  void intervalNoOverlapNoPileUp() {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    AtomicInteger runs = new AtomicInteger();
    Runnable slow =
        () -> {
          maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
          runs.incrementAndGet();
          try {
            Thread.sleep(1200); // longer than the interval: fires come while it runs
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          running.decrementAndGet();
        };
    try (SweepScheduler s = new SweepScheduler(slow, "", Duration.ofMillis(300))) {
      long t0 = System.nanoTime();
      s.start();
      await().atMost(Duration.ofSeconds(2)).until(() -> runs.get() >= 1);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
      await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 3);
      long elapsedMs = Duration.ofNanos(System.nanoTime() - t0).toMillis();
      // 300 ms fires while each run takes 1200 ms: runs follow each other, the fires in between
      // are not queued up to run back to back later
      assertThat(maxRunning.get()).isEqualTo(1);
      assertThat(runs.get()).isLessThanOrEqualTo((int) (elapsedMs / 1200) + 1);
      s.pause();
      int after = runs.get();
      await().pollDelay(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> true);
      assertThat(runs.get()).isLessThanOrEqualTo(after + 1);
    }
  }

  @Test
  @DisplayName("a cron schedule also sweeps at start")
  void cronSweepsAtStart() {
    AtomicInteger runs = new AtomicInteger();
    try (SweepScheduler s =
        new SweepScheduler(runs::incrementAndGet, "0 0 3 * * ?", Duration.ZERO)) {
      s.start();
      await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() == 1);
      assertThat(s.describe()).contains("0 0 3 * * ?");
      assertThat(s.alive()).isTrue();
    }
  }
}
