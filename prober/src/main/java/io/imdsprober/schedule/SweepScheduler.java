package io.imdsprober.schedule;

import io.imdsprober.ProberException;
import java.text.ParseException;
import java.time.Duration;
import java.util.Date;
import java.util.Properties;
import org.quartz.CronExpression;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.SimpleTrigger;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs sweeps on a Quartz schedule: a cron expression or an interval, one sweep at a time (a fire
 * that comes while a sweep runs is skipped, not queued), missed fires dropped. Started when this
 * replica leads, paused when it stops leading.
 */
public final class SweepScheduler implements AutoCloseable {
  private static final Logger logger = LoggerFactory.getLogger(SweepScheduler.class);
  private static final JobKey JOB = JobKey.jobKey("sweep", "imds-prober");
  private static final String TASK = "task";
  private static final java.util.concurrent.atomic.AtomicInteger INSTANCES =
      new java.util.concurrent.atomic.AtomicInteger();

  private final Scheduler scheduler;
  private final Trigger trigger;

  /**
   * @param task one sweep; it must not throw (the job catches and logs anything it does)
   * @param cron a Quartz cron expression, or empty for the interval
   * @param interval the time between sweeps when there is no cron expression
   */
  public SweepScheduler(Runnable task, String cron, Duration interval) {
    Properties p = new Properties();
    // Quartz keeps schedulers by name per JVM: each SweepScheduler has its own
    p.setProperty(
        StdSchedulerFactory.PROP_SCHED_INSTANCE_NAME, "imds-prober-" + INSTANCES.incrementAndGet());
    p.setProperty("org.quartz.threadPool.threadCount", "1");
    p.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
    p.setProperty("org.quartz.scheduler.makeSchedulerThreadDaemon", "true");
    p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
    p.setProperty("org.quartz.jobStore.misfireThreshold", "1000");
    try {
      scheduler = new StdSchedulerFactory(p).getScheduler();
      scheduler.getContext().put(TASK, task);
      JobDetail job = JobBuilder.newJob(SweepJob.class).withIdentity(JOB).storeDurably().build();
      TriggerBuilder<Trigger> tb = TriggerBuilder.newTrigger().withIdentity("sweep", "imds-prober");
      trigger =
          cron.isEmpty()
              ? tb.startNow()
                  .withSchedule(
                      SimpleScheduleBuilder.simpleSchedule()
                          .withIntervalInMilliseconds(interval.toMillis())
                          .repeatForever()
                          .withMisfireHandlingInstructionNextWithRemainingCount())
                  .build()
              : tb.withSchedule(
                      CronScheduleBuilder.cronSchedule(cron)
                          .withMisfireHandlingInstructionDoNothing())
                  .build();
      scheduler.addJob(job, false);
    } catch (SchedulerException e) {
      throw new ProberException("cannot set up the sweep schedule: " + e.getMessage(), e);
    }
  }

  /** Starts sweeping: a sweep now, then on the schedule. */
  public synchronized void start() {
    try {
      if (!scheduler.checkExists(trigger.getKey())) {
        scheduler.scheduleJob(trigger.getTriggerBuilder().forJob(JOB).startNow().build());
      }
      if (!trigger.getClass().getSimpleName().startsWith("Simple")) {
        scheduler.triggerJob(JOB);
      }
      scheduler.start();
      logger.info("sweeping: {}", describe());
    } catch (SchedulerException e) {
      throw new ProberException("cannot start the sweep schedule: " + e.getMessage(), e);
    }
  }

  /** Stops firing (a running sweep goes on; the caller cancels it). */
  public synchronized void pause() {
    try {
      scheduler.unscheduleJob(trigger.getKey());
      logger.info("sweeps paused");
    } catch (SchedulerException e) {
      logger.warn("cannot pause the sweep schedule", e);
    }
  }

  /** Whether the scheduler is alive (not shut down). */
  public boolean alive() {
    try {
      return !scheduler.isShutdown();
    } catch (SchedulerException e) {
      return false;
    }
  }

  /**
   * The time between two sweeps: the interval, or for a cron expression the gap between its next
   * two fire times.
   */
  public Duration interval() {
    if (trigger instanceof SimpleTrigger simple) {
      return Duration.ofMillis(simple.getRepeatInterval());
    }
    try {
      CronExpression cron = new CronExpression(((CronTrigger) trigger).getCronExpression());
      Date first = cron.getNextValidTimeAfter(new Date());
      Date second = first == null ? null : cron.getNextValidTimeAfter(first);
      return second == null
          ? Duration.ofDays(365)
          : Duration.ofMillis(second.getTime() - first.getTime());
    } catch (ParseException e) {
      throw new IllegalStateException("a validated cron expression no longer parses", e);
    }
  }

  /** The schedule in words, for the log. */
  public String describe() {
    return trigger.getClass().getSimpleName().startsWith("Simple")
        ? "every " + ((org.quartz.SimpleTrigger) trigger).getRepeatInterval() + " ms"
        : "on cron '" + ((org.quartz.CronTrigger) trigger).getCronExpression() + "'";
  }

  /** Shuts the scheduler down; waits for a running sweep when asked to. */
  @Override
  public void close() {
    try {
      scheduler.shutdown(false);
    } catch (SchedulerException e) {
      logger.warn("cannot shut the scheduler down", e);
    }
  }

  /** The Quartz job: one sweep; never two at once. */
  @DisallowConcurrentExecution
  public static final class SweepJob implements Job {
    @Override
    public void execute(JobExecutionContext context) {
      try {
        ((Runnable) context.getScheduler().getContext().get(TASK)).run();
      } catch (Exception e) {
        // never let the scheduler thread die: the task logs its own failures; this is a bug
        logger.error("sweep task failed", e);
      }
    }
  }
}
