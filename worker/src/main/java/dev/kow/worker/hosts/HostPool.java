package dev.kow.worker.hosts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import dev.kow.worker.ollama.ModelNames;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import reactor.core.scheduler.Scheduler;

/**
 * The Ollama hosts and their slots. A slot is handed out only when the host has fewer calls in flight
 * than its {@link AdaptiveLimit} (at most its configured slots) and its circuit breaker is closed, so no
 * host ever has more than its slots in flight and no queue builds inside Ollama. A host whose breaker
 * is open or half-open gets no jobs; {@link HostProber} probes it with cheap calls.
 *
 * <p>Choice among hosts with a free slot: hosts where the model is warm first (no model swap), then the
 * least loaded, and the host of the previous failed attempt last. Load is in flight / capacity plus
 * {@code failurePenalty} x the host's recent failure rate ({@link FailureRate}: host failures per
 * attempt, decaying with a half-life), so a host that drops or truncates some of its answers, or keeps
 * going down and coming back, gets work mostly when the healthy hosts are busy: with the default
 * penalty of 10, a host failing 10 % of its attempts ranks as if it were full. It still gets work when it
 * has the only free slot.
 *
 * <p><b>Degraded hosts.</b> A host whose recent failure rate reaches {@code degradedRate} is degraded:
 * a job that could only go there while a healthy host serving its model is busy waits for a healthy
 * slot, for at most {@link #holdNanos()} (two expected intervals between healthy slot releases, at most
 * {@code maxHold}) from the time it entered its lane; after that it takes the degraded host's slot. When a
 * hold starts, a timer tells the slot listeners once it has ended, in case no slot release comes first. Each
 * attempt sent to a host that fails a fifth of its answers costs on average a fifth of a partial
 * generation plus a retry, more than the short wait for a healthy slot. Thread-safe: slot counting is
 * under this object's monitor; listeners run after it is released.
 */
public final class HostPool {

	/** How an attempt ended, for the breaker. */
	public enum Result {
		/** Answered, or failed for a reason that is not the host's (400, 404 model). */
		OK,
		/** Failed because of the host (connection, 5xx, timeout, stream error). */
		HOST_FAILURE,
		/** Abandoned before an answer (partition revoked, shutdown). */
		CANCELLED
	}

	private final List<OllamaHost> hosts;

	private final LongSupplier nanoClock;

	private final List<Runnable> slotListeners = new CopyOnWriteArrayList<>();

	private final double failurePenalty;

	private final Map<OllamaHost, FailureRate> failures = new HashMap<>();

	private final double degradedRate;

	private final long maxHoldNanos;

	/** Mean slot time of successful attempts (exponentially weighted), ns; NaN before the first. */
	private double serviceNanos = Double.NaN;

	/** Tells the slot listeners when a hold ends; null when holding is off. */
	private final Scheduler timer;

	/** Nano-clock time of the pending end-of-hold notice, or {@link Long#MAX_VALUE} for none. */
	private final AtomicLong wakeAt = new AtomicLong(Long.MAX_VALUE);

	/**
	 * A pool with the default routing: failure penalty 10, failure half-life 60 s.
	 * @param hosts the hosts
	 * @param nanoClock monotonic clock, ns
	 */
	public HostPool(List<OllamaHost> hosts, LongSupplier nanoClock) {
		this(hosts, nanoClock, 10, Duration.ofSeconds(60));
	}

	/**
	 * @param hosts the hosts
	 * @param nanoClock monotonic clock, ns
	 * @param failurePenalty load added per unit of recent failure rate (0 ignores failures)
	 * @param failureHalfLife time after which a past attempt counts half in the failure rate
	 */
	public HostPool(List<OllamaHost> hosts, LongSupplier nanoClock, double failurePenalty, Duration failureHalfLife) {
		this(hosts, nanoClock, failurePenalty, failureHalfLife, 1.0, Duration.ZERO, null);
	}

	/**
	 * @param hosts the hosts
	 * @param nanoClock monotonic clock, ns
	 * @param failurePenalty load added per unit of recent failure rate (0 ignores failures)
	 * @param failureHalfLife time after which a past attempt counts half in the failure rate
	 * @param degradedRate recent failure rate (0 to 1) from which a host is degraded; 1 turns holding off
	 * @param maxHold longest wait for a healthy slot before a job takes a degraded host's; zero turns
	 * holding off
	 * @param timer tells the slot listeners when a hold ends; null turns holding off
	 */
	public HostPool(List<OllamaHost> hosts, LongSupplier nanoClock, double failurePenalty, Duration failureHalfLife,
			double degradedRate, Duration maxHold, Scheduler timer) {
		this.hosts = List.copyOf(hosts);
		this.nanoClock = nanoClock;
		this.failurePenalty = failurePenalty;
		this.degradedRate = degradedRate;
		this.maxHoldNanos = timer == null ? 0 : maxHold.toNanos();
		this.timer = timer;
		for (OllamaHost host : this.hosts) {
			this.failures.put(host, new FailureRate(failureHalfLife));
		}
		for (OllamaHost host : this.hosts) {
			host.breaker().getEventPublisher().onStateTransition(event -> notifyListeners());
		}
	}

	/** @param listener called after a slot may have become free (release, breaker transition) */
	public void onSlotFreed(Runnable listener) {
		this.slotListeners.add(listener);
	}

	/** @return the hosts */
	public List<OllamaHost> hosts() {
		return this.hosts;
	}

	/**
	 * @param model a model name
	 * @return whether any host is configured to serve it
	 */
	public boolean anyServes(String model) {
		String normalized = ModelNames.normalize(model);
		return this.hosts.stream().anyMatch(h -> h.serves(normalized));
	}

	/**
	 * Takes a free slot for a model, degraded hosts included.
	 * @param model model name
	 * @param avoidHost host id to use only when no other has room (the previous failed attempt's), or null
	 * @return a lease, or null when no host can take the call now
	 */
	public SlotLease tryAcquire(String model, String avoidHost) {
		return tryAcquire(model, avoidHost, Long.MAX_VALUE);
	}

	/**
	 * Takes a free slot for a model; a degraded host's only while no healthy host serves the model or
	 * the job has waited {@link #holdNanos()}.
	 * @param model model name
	 * @param avoidHost host id to use only when no other has room (the previous failed attempt's), or null
	 * @param waitedNanos how long the job has waited in its lane, ns
	 * @return a lease, or null when no host can take the call now
	 */
	public SlotLease tryAcquire(String model, String avoidHost, long waitedNanos) {
		String normalized = ModelNames.normalize(model);
		synchronized (this) {
			List<OllamaHost> candidates = new ArrayList<>();
			for (OllamaHost host : this.hosts) {
				if (host.inFlight < host.capacity() && host.serves(normalized) && closed(host)) {
					candidates.add(host);
				}
			}
			long now = this.nanoClock.getAsLong();
			candidates.sort(Comparator.<OllamaHost>comparingInt(h -> h.id().equals(avoidHost) ? 1 : 0)
				.thenComparingInt(h -> h.isWarm(normalized) ? 0 : 1)
				.thenComparingDouble(h -> (double) h.inFlight / h.capacity()
						+ this.failurePenalty * this.failures.get(h).value(now)));
			long hold = holdRemaining(normalized, waitedNanos, now);
			for (OllamaHost host : candidates) {
				if (hold > 0 && degraded(host, now)) {
					continue;
				}
				if (host.breaker().tryAcquirePermission()) {
					host.inFlight++;
					return new SlotLease(host, this.nanoClock.getAsLong(), new AtomicBoolean());
				}
			}
			if (hold > 0) {
				notifyAfter(hold, now);
			}
			return null;
		}
	}

	/**
	 * Gives a slot back and reports the attempt to the host's breaker.
	 * @param lease the lease; a second release is ignored
	 * @param result how the attempt ended
	 * @param error the failure for {@link Result#HOST_FAILURE}, else null
	 */
	public void release(SlotLease lease, Result result, Throwable error) {
		if (!lease.released().compareAndSet(false, true)) {
			return;
		}
		long nanos = this.nanoClock.getAsLong() - lease.acquiredNanos();
		CircuitBreaker breaker = lease.host().breaker();
		switch (result) {
			case OK -> breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
			case HOST_FAILURE -> breaker.onError(nanos, TimeUnit.NANOSECONDS, error);
			case CANCELLED -> breaker.releasePermission();
		}
		synchronized (this) {
			lease.host().inFlight--;
			if (result == Result.OK) {
				this.serviceNanos = Double.isNaN(this.serviceNanos) ? nanos : 0.95 * this.serviceNanos + 0.05 * nanos;
			}
			if (result != Result.CANCELLED) {
				this.failures.get(lease.host()).record(result == Result.HOST_FAILURE, this.nanoClock.getAsLong());
			}
		}
		notifyListeners();
	}

	/**
	 * @param host a host
	 * @return its recent failure rate, 0 to 1 (host failures per attempt, decaying; see {@link FailureRate})
	 */
	public synchronized double failureRate(OllamaHost host) {
		return this.failures.get(host).value(this.nanoClock.getAsLong());
	}

	/**
	 * How long a job waits for a healthy slot before it takes a degraded host's: two expected intervals
	 * between slot releases of the healthy hosts when all are busy (the mean slot time of successful
	 * attempts / their usable slots), at most {@code maxHold}.
	 * @return the hold, ns; 0 while holding is off, before the first success, or with no healthy host
	 */
	public synchronized long holdNanos() {
		return holdNanos(this.nanoClock.getAsLong());
	}

	/** Caller holds the monitor. */
	private long holdNanos(long now) {
		if (this.maxHoldNanos <= 0 || this.degradedRate >= 1 || Double.isNaN(this.serviceNanos)) {
			return 0;
		}
		int healthySlots = this.hosts.stream().filter(h -> healthy(h, now)).mapToInt(OllamaHost::capacity).sum();
		return healthySlots == 0 ? 0 : Math.min(this.maxHoldNanos, (long) (2 * this.serviceNanos / healthySlots));
	}

	/**
	 * Whether a job that waited {@code waitedNanos} is being held back: a degraded host has a free slot
	 * for its model that {@link #tryAcquire(String, String, long)} leaves to a healthy host for now.
	 * @param model model name
	 * @param waitedNanos how long the job has waited in its lane, ns
	 * @return true while the hold lasts
	 */
	synchronized boolean holdsBack(String model, long waitedNanos) {
		return holdRemaining(ModelNames.normalize(model), waitedNanos, this.nanoClock.getAsLong()) > 0;
	}

	/** @return how much longer the job is held back from a degraded host's free slot, ns, or 0; caller holds the monitor */
	private long holdRemaining(String normalizedModel, long waitedNanos, long now) {
		if (waitedNanos >= this.maxHoldNanos) {
			return 0;
		}
		boolean freeDegraded = this.hosts.stream().anyMatch(h -> h.inFlight < h.capacity() && h.serves(normalizedModel)
				&& closed(h) && degraded(h, now));
		if (!freeDegraded || !healthyServes(normalizedModel, now)) {
			return 0;
		}
		return Math.max(0, holdNanos(now) - waitedNanos);
	}

	/** Tells the slot listeners in {@code delayNanos} that a hold has ended; one pending notice at a time. */
	private void notifyAfter(long delayNanos, long now) {
		long at = now + delayNanos;
		long pending = this.wakeAt.get();
		if ((pending > now && pending <= at) || !this.wakeAt.compareAndSet(pending, at)) {
			return;
		}
		this.timer.schedule(() -> {
			this.wakeAt.compareAndSet(at, Long.MAX_VALUE);
			notifyListeners();
		}, delayNanos, TimeUnit.NANOSECONDS);
	}

	/**
	 * @param host a host
	 * @return whether its recent failure rate has reached the degraded rate, so jobs wait briefly for a
	 *         healthy slot before taking one of its slots
	 */
	public synchronized boolean degraded(OllamaHost host) {
		return degraded(host, this.nanoClock.getAsLong());
	}

	/** Caller holds the monitor. */
	private boolean degraded(OllamaHost host, long now) {
		return this.degradedRate < 1 && this.failures.get(host).value(now) >= this.degradedRate;
	}

	/** Whether a healthy host with a closed breaker serves the model; caller holds the monitor. */
	private boolean healthyServes(String normalizedModel, long now) {
		return this.hosts.stream().anyMatch(h -> h.serves(normalizedModel) && h.capacity() > 0 && healthy(h, now));
	}

	/** Whether the host's breaker is closed and it is not degraded; caller holds the monitor. */
	private boolean healthy(OllamaHost host, long now) {
		return closed(host) && !degraded(host, now);
	}

	private static boolean closed(OllamaHost host) {
		return host.breaker().getState() == CircuitBreaker.State.CLOSED;
	}

	/**
	 * @param host a host
	 * @return its calls in flight now
	 */
	public synchronized int inFlight(OllamaHost host) {
		return host.inFlight;
	}

	/** @return slots on hosts whose breaker is closed, at their current adaptive limits within this worker's share */
	public int usableSlots() {
		return this.hosts.stream().filter(HostPool::closed).mapToInt(OllamaHost::capacity).sum();
	}

	/** Tells the scheduler that capacity may have grown (a limit rose, a probe closed a breaker). */
	public void capacityChanged() {
		notifyListeners();
	}

	private void notifyListeners() {
		this.slotListeners.forEach(Runnable::run);
	}
}
