package io.imdsprober.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** A running {@link LabHost}: its events as they arrive, and commands on its stdin. */
public final class LabProcess {
  private final Process process;
  private final List<String> events = new ArrayList<>();
  private final Writer stdin;

  LabProcess(Process process) {
    this.process = process;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  synchronized (events) {
                    events.add(line);
                    events.notifyAll();
                  }
                }
              } catch (IOException e) {
                // the process ended
              }
            },
            "lab-events");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts a lab host in a namespace with the given LabHost arguments and waits for READY. */
  public static LabProcess start(NetLab lab, String ns, List<String> args) {
    List<String> cmd = new ArrayList<>(JavaCommand.java());
    cmd.add("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");
    cmd.add("-cp");
    cmd.add(JavaCommand.classpath());
    cmd.add(LabHost.class.getName());
    cmd.addAll(args);
    LabProcess p = new LabProcess(lab.start(ns, cmd));
    p.await(e -> e.equals("READY"), Duration.ofSeconds(20));
    return p;
  }

  /** Sends a command and waits for its OK. */
  public void send(String command) {
    int from = size();
    try {
      stdin.write(command + "\n");
      stdin.flush();
    } catch (IOException e) {
      throw new IllegalStateException("lab host gone: " + e.getMessage(), e);
    }
    awaitFrom(from, e -> e.equals("OK " + command), Duration.ofSeconds(10));
  }

  /** How many events have arrived; a mark for {@link #since}. */
  public int size() {
    synchronized (events) {
      return events.size();
    }
  }

  /** The events that arrived after a mark. */
  public List<String> since(int mark) {
    synchronized (events) {
      return List.copyOf(events.subList(mark, events.size()));
    }
  }

  /** Every event so far. */
  public List<String> all() {
    return since(0);
  }

  /** Waits for an event matching the predicate, from the first event on. */
  public String await(Predicate<String> match, Duration timeout) {
    return awaitFrom(0, match, timeout);
  }

  /** Waits for an event matching the predicate among those after a mark. */
  public String awaitFrom(int mark, Predicate<String> match, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (events) {
      while (true) {
        for (int i = mark; i < events.size(); i++) {
          if (match.test(events.get(i))) {
            return events.get(i);
          }
        }
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0 || !process.isAlive()) {
          throw new IllegalStateException(
              "no matching lab event within "
                  + timeout
                  + " (alive: "
                  + process.isAlive()
                  + "); events: "
                  + events);
        }
        try {
          events.wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }
  }
}
