package io.imdsprober.changes;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Debounce and coalescing of changes, with a given clock. */
class ChangeQueueTest {
  static final Instant T0 = Instant.parse("2026-11-27T12:00:00Z");

  static Instant at(long millis) {
    return T0.plusMillis(millis);
  }

  final ChangeQueue q = new ChangeQueue(Duration.ofSeconds(2), Duration.ofSeconds(10));

  @Test
  @DisplayName("due once quiet for the debounce, with the first change's time; taken once")
  void debounce() {
    q.changed("a", at(0));
    q.changed("a", at(1500));
    assertThat(q.take(at(3000), ns -> false)).as("1.5 s of quiet: not yet").isEmpty();
    assertThat(q.take(at(3500), ns -> false)).containsExactly(new ChangeQueue.Due("a", at(0)));
    assertThat(q.take(at(9000), ns -> false)).as("taken: gone").isEmpty();
    assertThat(q.size()).isZero();
  }

  @Test
  @DisplayName("a storm of changes (one every 100 ms) is one re-probe, due at the maximum wait")
  void storm() {
    int taken = 0;
    for (long t = 0; t <= 25_000; t += 100) {
      q.changed("a", at(t));
      taken += q.take(at(t), ns -> false).size();
    }
    assertThat(taken).as("25 s of storm, 10 s maximum wait: at 10 s and at 20.1 s").isEqualTo(2);
  }

  @Test
  @DisplayName("a busy namespace waits and keeps its first change; others are not held up")
  void busy() {
    q.changed("a", at(0));
    q.changed("b", at(100));
    Set<String> busy = Set.of("a");
    assertThat(q.take(at(5000), busy::contains)).containsExactly(new ChangeQueue.Due("b", at(100)));
    q.changed("a", at(5000));
    assertThat(q.take(at(7000), ns -> false)).containsExactly(new ChangeQueue.Due("a", at(0)));
  }

  @Test
  @DisplayName("clear forgets everything (this replica stopped leading)")
  void clear() {
    q.changed("a", at(0));
    q.clear();
    assertThat(q.take(at(60_000), ns -> false)).isEmpty();
  }
}
