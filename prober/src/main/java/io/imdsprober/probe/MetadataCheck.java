package io.imdsprober.probe;

import io.imdsprober.facts.Facts.MetadataFact;
import io.imdsprober.facts.Fingerprint;
import io.imdsprober.facts.MetadataTarget;
import io.imdsprober.facts.Profile;
import io.imdsprober.facts.RequestMode;
import io.imdsprober.facts.TcpResult;
import io.imdsprober.facts.TokenResult;
import io.imdsprober.probe.HttpExchange.Reply;
import io.imdsprober.probe.HttpExchange.Request;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Probes one metadata target: connect; when it connects and retries are left, settle and connect
 * again (a new pod may start before its NetworkPolicy is programmed); on the last attempt, if still
 * connected, make the profile's one safe request and, for AWS, the IMDSv2 token request.
 */
final class MetadataCheck {
  private final Profile profile;
  private final boolean imdsv2Token;
  private final Duration timeout;
  private final Duration settle;
  private final int retries;
  private final Sleeper sleeper;

  /** Waits between attempts; swapped in tests that must not wait. */
  interface Sleeper {
    void sleep(Duration d) throws InterruptedException;
  }

  MetadataCheck(ProbePlan plan) {
    this(plan, d -> Thread.sleep(d.toMillis()));
  }

  MetadataCheck(ProbePlan plan, Sleeper sleeper) {
    this.profile = plan.profile();
    this.imdsv2Token = plan.imdsv2Token();
    this.timeout = plan.timeout();
    this.settle = plan.settle();
    this.retries = plan.retries();
    this.sleeper = sleeper;
  }

  MetadataFact run(MetadataTarget target, Consumer<String> errors) {
    long first = System.nanoTime();
    Long openedThenBlockedMs = null;
    boolean wasOpen = false;
    int attempts = 0;
    TcpConnect.Outcome outcome;
    while (true) {
      long attemptStart = System.nanoTime();
      outcome = TcpConnect.connect(target.host(), target.port(), timeout);
      attempts++;
      AgentLog.debug(
          "MetadataCheck", target.hostPort() + " attempt " + attempts + ": " + outcome.result());
      if (outcome.result() != TcpResult.CONNECTED) {
        if (wasOpen) {
          openedThenBlockedMs = (attemptStart - first) / 1_000_000;
        }
        break;
      }
      wasOpen = true;
      if (attempts > retries) {
        break;
      }
      TcpConnect.closeQuietly(outcome.socket());
      try {
        sleeper.sleep(settle);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        errors.accept(target.hostPort() + ": interrupted while settling");
        outcome = new TcpConnect.Outcome(TcpResult.ERROR, 0, null, "interrupted");
        break;
      }
    }
    if (outcome.detail() != null) {
      errors.accept(target.hostPort() + ": " + outcome.detail());
    }
    Integer http = null;
    Fingerprint fingerprint = null;
    TokenResult token = TokenResult.NOT_TRIED;
    if (outcome.result() == TcpResult.CONNECTED) {
      try (Socket socket = outcome.socket()) {
        Request request =
            target.mode() == RequestMode.HTTP ? SafeRequests.forProfile(profile) : null;
        if (request != null) {
          try {
            Reply reply = HttpExchange.exchange(socket, target.hostPort(), request, timeout);
            http = reply.status();
            fingerprint = SafeRequests.identify(request, reply);
          } catch (IOException e) {
            errors.accept(
                target.hostPort()
                    + ": "
                    + request.method()
                    + " "
                    + request.path()
                    + ": "
                    + e.getMessage());
          }
        }
      } catch (IOException e) {
        // closing failed: nothing was lost
      }
      if (profile == Profile.AWS && imdsv2Token && target.mode() == RequestMode.HTTP) {
        token = requestToken(target, errors);
      }
    }
    return new MetadataFact(
        target.hostPort(),
        profile,
        target.mode(),
        outcome.result(),
        outcome.ms(),
        http,
        fingerprint,
        token,
        attempts,
        openedThenBlockedMs);
  }

  /**
   * The IMDSv2 token request on a new connection. With the instance's hop limit at 1 the reply dies
   * one hop away, so from a pod it times out. A token that does come back is discarded.
   */
  private TokenResult requestToken(MetadataTarget target, Consumer<String> errors) {
    TcpConnect.Outcome outcome = TcpConnect.connect(target.host(), target.port(), timeout);
    switch (outcome.result()) {
      case CONNECTED:
        break;
      case REFUSED:
        return TokenResult.REFUSED;
      case TIMEOUT:
        return TokenResult.TIMEOUT;
      default:
        errors.accept(target.hostPort() + ": token connect " + outcome.result());
        return TokenResult.ERROR;
    }
    try (Socket socket = outcome.socket()) {
      Reply reply =
          HttpExchange.exchange(socket, target.hostPort(), SafeRequests.AWS_TOKEN, timeout);
      return reply.status() / 100 == 2 ? TokenResult.OBTAINED : TokenResult.REFUSED;
    } catch (SocketTimeoutException e) {
      return TokenResult.TIMEOUT;
    } catch (IOException e) {
      errors.accept(target.hostPort() + ": token request: " + e.getMessage());
      return TokenResult.ERROR;
    }
  }
}
