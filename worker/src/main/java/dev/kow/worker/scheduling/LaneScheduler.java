package dev.kow.worker.scheduling;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import dev.kow.worker.hosts.HostPool;
import dev.kow.worker.hosts.SlotLease;
import dev.kow.worker.job.CancelledBatches;
import dev.kow.worker.job.Job;
import dev.kow.worker.job.Lane;
import dev.kow.worker.job.LaneWeights;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Priority lanes over GPU slots.
 *
 * <p>
 * <b>Work-conserving:</b> whenever a host slot is free and any lane has work, a job is
 * dispatched, with one exception: a slot of a degraded host (one that fails part of its
 * answers) waits up to {@link HostPool#holdNanos()} for a healthy slot to free first; the
 * pool tells this scheduler when that hold ends, as it does when a slot frees. Jobs wait
 * here, never inside Ollama: a job is taken from its lane only once {@link HostPool} has
 * a slot for it, so a high-priority job waits for about one slot to free up, whatever the
 * batch backlog.
 *
 * <p>
 * <b>Weighted shares (stride scheduling):</b> each lane has a pass value that grows by
 * {@code 1/weight} per dispatch; the non-empty lane with the smallest pass goes next
 * (ties: the more urgent lane). A lane that was empty re-enters at the current virtual
 * time, so idle time earns no credit. With weights 8:3:1 and all lanes waiting, slots go
 * 8:3:1.
 *
 * <p>
 * <b>Aging:</b> a job that has waited longer than {@code aging} goes next regardless of
 * weights.
 *
 * <p>
 * <b>Preemption:</b> when no slot is free for the lane served next, the head of the most
 * urgent lane that may preempt asks {@link Preemption} to stop one just-started attempt
 * of a lower lane; that frees a slot at once, which goes straight to that head, and the
 * victim goes back to the front of its lane.
 *
 * <p>
 * Thread-safe: queue state is under one monitor; {@link #pump()} is a drain loop that any
 * thread may call and that never runs concurrently with itself; dispatch happens outside
 * the monitor.
 */
public final class LaneScheduler {

	private static final Logger log = LoggerFactory.getLogger(LaneScheduler.class);

	private final HostPool pool;

	private final JobDispatcher dispatcher;

	private final UndispatchableHandler undispatchable;

	private final CancelledBatches cancelled;

	private final Preemption preemption;

	private final LongSupplier nanoClock;

	private final Clock clock;

	/** Guarded by this object's monitor. */
	private final LaneQueues queues;

	private final AtomicInteger wip = new AtomicInteger();

	/**
	 * @param pool the hosts
	 * @param dispatcher runs a job on a slot
	 * @param undispatchable receives expired, unroutable and cancelled jobs
	 * @param cancelled the cancelled batches, whose jobs are not dispatched
	 * @param preemption frees a slot for a high-priority job when none is free, or never
	 * @param weights weight per lane
	 * @param aging wait after which a job goes next regardless of weights
	 * @param nanoClock monotonic clock, ns
	 * @param clock wall clock, for deadlines
	 */
	public LaneScheduler(HostPool pool, JobDispatcher dispatcher, UndispatchableHandler undispatchable,
			CancelledBatches cancelled, Preemption preemption, LaneWeights weights, Duration aging,
			LongSupplier nanoClock, Clock clock) {
		this.pool = pool;
		this.cancelled = cancelled;
		this.dispatcher = dispatcher;
		this.undispatchable = undispatchable;
		this.preemption = preemption;
		this.nanoClock = nanoClock;
		this.clock = clock;
		this.queues = new LaneQueues(weights, aging);
		pool.onSlotFreed(this::pump);
	}

	/**
	 * Queues a job at the back of its lane and dispatches what can go.
	 * @param job the job
	 */
	public void submit(Job job) {
		enqueue(job, false);
		pump();
	}

	/**
	 * Queues a job that already had an attempt at the front of its lane (after its
	 * backoff).
	 * @param job the job
	 */
	public void resubmit(Job job) {
		if (job.cancelled()) {
			return;
		}
		job.requeuedAt(this.nanoClock.getAsLong());
		enqueue(job, true);
		pump();
	}

	/**
	 * Drops the queued jobs of a partition (it was revoked).
	 * @param partition the partition
	 * @return the jobs removed
	 */
	public synchronized List<Job> removePartition(TopicPartition partition) {
		return this.queues.removePartition(partition);
	}

	/**
	 * Ends every queued job of a cancelled batch at once, wherever it waits in its lane
	 * (jobs that come back later, from a stopped attempt or a retry, are ended when they
	 * reach the head).
	 */
	public void withdrawCancelled() {
		List<Job> withdrawn;
		synchronized (this) {
			withdrawn = this.queues.removeIf(this.cancelled::covers);
		}
		withdrawn.forEach(this.undispatchable::batchCancelled);
		pump();
	}

	/**
	 * @param lane a lane
	 * @return jobs waiting in it
	 */
	public synchronized int waiting(Lane lane) {
		return this.queues.size(lane);
	}

	/**
	 * @return the models the waiting jobs ask for (normalised names, as
	 * {@code Job.model()}); empty when none waits
	 */
	public synchronized Set<String> waitingModels() {
		return this.queues.models();
	}

	/**
	 * @return nano-clock time the longest-waiting job entered its lane, or empty when
	 * none waits
	 */
	public synchronized OptionalLong oldestWaitingSinceNanos() {
		return this.queues.oldestSinceNanos();
	}

	private synchronized void enqueue(Job job, boolean front) {
		this.queues.add(job, front);
	}

	/**
	 * Dispatches while a lane has work and a host has a free slot. Safe to call from any
	 * thread. A step that throws is logged and the drain goes on, so one bad job or
	 * handler can never stop the scheduler.
	 */
	public void pump() {
		if (this.wip.getAndIncrement() != 0) {
			return;
		}
		// one victim per dispatch, and none after a victim's slot could not be had
		boolean mayPreempt = true;
		do {
			try {
				mayPreempt = drain(mayPreempt);
			}
			catch (RuntimeException ex) {
				log.error("a scheduling step failed; the scheduler goes on", ex);
			}
		}
		while (this.wip.decrementAndGet() != 0);
	}

	/**
	 * @return whether a later drain may still preempt
	 */
	private boolean drain(boolean mayPreemptAtStart) {
		boolean mayPreempt = mayPreemptAtStart;
		while (true) {
			List<Job> expired = new ArrayList<>(0);
			List<Job> unroutable = new ArrayList<>(0);
			List<Job> withdrawn = new ArrayList<>(0);
			Job job = null;
			Job candidate = null;
			Map<Lane, Integer> waiting = Map.of();
			SlotLease lease = null;
			synchronized (this) {
				Lane lane;
				while ((lane = this.queues.next(this.nanoClock.getAsLong())) != null) {
					Job head = Objects.requireNonNull(this.queues.head(lane));
					if (head.cancelled()) {
						this.queues.drop(lane);
					}
					else if (expired(head)) {
						expired.add(this.queues.drop(lane));
					}
					else if (this.cancelled.covers(head)) {
						withdrawn.add(this.queues.drop(lane));
					}
					else if (!this.pool.anyServes(head.model())) {
						unroutable.add(this.queues.drop(lane));
					}
					else {
						long waited = this.nanoClock.getAsLong() - head.queuedSinceNanos();
						lease = this.pool.tryAcquire(head.model(), head.lastHost(), waited).orElse(null);
						if (lease != null) {
							job = this.queues.take(lane);
						}
						else if (mayPreempt) {
							candidate = preemptionCandidate();
							waiting = candidate == null ? Map.of() : this.queues.sizes();
						}
						break;
					}
				}
			}
			expired.forEach(this.undispatchable::expired);
			unroutable.forEach(this.undispatchable::unroutable);
			withdrawn.forEach(this.undispatchable::batchCancelled);
			if (job == null) {
				if (candidate == null || !this.preemption.preemptFor(candidate, waiting)) {
					return mayPreempt;
				}
				lease = takeFreedSlot(candidate);
				if (lease == null) {
					mayPreempt = false;
					continue;
				}
				job = candidate;
			}
			// a job is taken from its lane only together with its lease
			this.dispatcher.dispatch(job, Objects.requireNonNull(lease), this::resubmit);
		}
	}

	private boolean expired(Job job) {
		return job.request().getDeadline() != null && !job.request().getDeadline().isAfter(this.clock.instant());
	}

	/**
	 * @return the head of the most urgent lane that may preempt, if it can be dispatched
	 * at all, or null; caller holds the monitor
	 */
	private @Nullable Job preemptionCandidate() {
		for (Lane lane : Lane.values()) {
			Job head = this.queues.head(lane);
			if (head != null && this.preemption.mayPreempt(lane)) {
				return head.cancelled() || expired(head) || !this.pool.anyServes(head.model()) ? null : head;
			}
		}
		return null;
	}

	/**
	 * Gives the slot a preemption just freed to the job it was freed for, if that job
	 * still waits first in its lane.
	 */
	private synchronized @Nullable SlotLease takeFreedSlot(Job candidate) {
		if (this.queues.head(candidate.lane()) != candidate) {
			return null;
		}
		SlotLease lease = this.pool.tryAcquire(candidate.model(), candidate.lastHost()).orElse(null);
		if (lease != null) {
			this.queues.take(candidate.lane());
		}
		return lease;
	}

}
