package io.imdsprober.sweep;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A test with its own mock cluster, fake kubelet and sweeper ({@link SweepFixture}). */
abstract class SweepTestCase {
  @TempDir Path dir;
  SweepFixture fx;

  @BeforeEach
  void startCluster() {
    fx = new SweepFixture(dir);
  }

  @AfterEach
  void stopCluster() {
    fx.close();
  }
}
