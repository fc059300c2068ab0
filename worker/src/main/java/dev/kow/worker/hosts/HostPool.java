package dev.kow.worker.hosts;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

import dev.kow.worker.config.OllamaProperties;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;

/**
 * The Ollama hosts and their slots. A slot is handed out only when the host has fewer
 * calls in flight than its {@link AdaptiveLimit} (at most its configured slots) and its
 * circuit breaker is closed, so no host ever has more than its slots in flight and no
 * queue builds inside Ollama. A host whose breaker is open or half-open gets no jobs;
 * {@link HostProber} probes it with cheap calls.
 *
 * <p>
 * Choice among hosts with a free slot: hosts where the model is warm first (no model
 * swap), then the least loaded, and the host of the previous failed attempt last. Load is
 * in flight / capacity plus {@code failurePenalty} x the host's recent failure rate
 * ({@link FailureRate}: host failures per attempt, decaying with a half-life), so a host
 * that drops or truncates some of its answers, or keeps going down and coming back, gets
 * work mostly when the healthy hosts are busy: with the default penalty of 10, a host
 * failing 10 % of its attempts ranks as if it were full. It still gets work when it has
 * the only free slot.
 *
 * <p>
 * <b>Degraded hosts.</b> A host whose recent failure rate reaches {@code degradedRate} is
 * degraded: a job that could only go there while a healthy host serving its model is busy
 * waits for a healthy slot, for at most {@link #holdNanos()} (two expected intervals
 * between healthy slot releases, at most {@code maxHold}) from the time it entered its
 * lane; after that it takes the degraded host's slot. When a hold starts, a timer tells
 * the slot listeners once it has ended, in case no slot release comes first. Each attempt
 * sent to a host that fails a fifth of its answers costs on average a fifth of a partial
 * generation plus a retry, more than the short wait for a healthy slot.
 *
 * <p>
 * Model names given to this class are normalised ({@code name:tag}, see
 * {@code ModelNames}); the job carries its normalised model from intake on. Thread-safe:
 * slot counting is under this object's monitor; listeners run after it is released.
 */
public final class HostPool {

	private final List<OllamaHost> hosts;

	private final LongSupplier nanoClock;

	private final SlotListeners slotListeners;

	private final double failurePenalty;

	/** Failure rates, degraded hosts and holds; guarded by this object's monitor. */
	private final DegradedHosts health;

	/**
	 * @param hosts the hosts
	 * @param routing failure penalty and half-life, degraded rate and longest hold
	 * ({@code worker.ollama.routing.*}); a zero {@code degraded-max-hold} or a rate of 1
	 * turns holding off
	 * @param timer tells the slot listeners when a hold ends
	 * @param nanoClock monotonic clock, ns
	 */
	public HostPool(List<OllamaHost> hosts, OllamaProperties.Routing routing, Scheduler timer, LongSupplier nanoClock) {
		this.hosts = List.copyOf(hosts);
		this.nanoClock = nanoClock;
		this.failurePenalty = routing.failurePenalty();
		this.health = new DegradedHosts(this.hosts, routing);
		this.slotListeners = new SlotListeners(timer);
		for (OllamaHost host : this.hosts) {
			host.breaker().getEventPublisher().onStateTransition(event -> this.slotListeners.tellAll());
		}
	}

	/**
	 * @param listener called after a slot may have become free (release, breaker
	 * transition)
	 */
	public void onSlotFreed(Runnable listener) {
		this.slotListeners.add(listener);
	}

	/**
	 * @return the hosts
	 */
	public List<OllamaHost> hosts() {
		return this.hosts;
	}

	/**
	 * @param model a normalised model name
	 * @return whether any host is configured to serve it
	 */
	public boolean anyServes(String model) {
		return this.hosts.stream().anyMatch(h -> h.serves(model));
	}

	/**
	 * Takes a free slot for a model, degraded hosts included (the slot a preemption just
	 * freed).
	 * @param model normalised model name
	 * @param avoidHost host id to use only when no other has room (the previous failed
	 * attempt's), or null
	 * @return a lease, or empty when no host can take the call now
	 */
	public Optional<SlotLease> tryAcquire(String model, @Nullable String avoidHost) {
		return tryAcquire(model, avoidHost, Long.MAX_VALUE);
	}

	/**
	 * Takes a free slot for a model; a degraded host's only while no healthy host serves
	 * the model or the job has waited {@link #holdNanos()}.
	 * @param model normalised model name
	 * @param avoidHost host id to use only when no other has room (the previous failed
	 * attempt's), or null
	 * @param waitedNanos how long the job has waited in its lane, ns
	 * @return a lease, or empty when no host can take the call now
	 */
	public Optional<SlotLease> tryAcquire(String model, @Nullable String avoidHost, long waitedNanos) {
		synchronized (this) {
			List<OllamaHost> candidates = new ArrayList<>();
			for (OllamaHost host : this.hosts) {
				if (host.inFlight < host.capacity() && host.serves(model) && host.closed()) {
					candidates.add(host);
				}
			}
			long now = this.nanoClock.getAsLong();
			candidates.sort(Comparator.<OllamaHost>comparingInt(h -> h.id().equals(avoidHost) ? 1 : 0)
				.thenComparingInt(h -> h.isWarm(model) ? 0 : 1)
				.thenComparingDouble(h -> (double) h.inFlight / h.capacity()
						+ this.failurePenalty * this.health.failureRate(h, now)));
			long hold = this.health.holdRemaining(model, waitedNanos, now);
			for (OllamaHost host : candidates) {
				if (hold > 0 && this.health.degraded(host, now)) {
					continue;
				}
				if (host.breaker().tryAcquirePermission()) {
					host.inFlight++;
					return Optional.of(new SlotLease(host, this.nanoClock.getAsLong(), new AtomicBoolean()));
				}
			}
			if (hold > 0) {
				this.slotListeners.notifyAfter(hold, now);
			}
			return Optional.empty();
		}
	}

	/**
	 * Gives a slot back and reports how the attempt ended to everything that learns from
	 * it: the host's circuit breaker, its adaptive limit ({@link AdaptiveLimit}), its
	 * warm models, its failure rate and the mean slot time. Then tells the slot
	 * listeners.
	 * @param lease the lease; a second release is ignored
	 * @param end how the attempt ended
	 */
	public void release(SlotLease lease, AttemptEnd end) {
		if (!lease.released().compareAndSet(false, true)) {
			return;
		}
		OllamaHost host = lease.host();
		long nanos = this.nanoClock.getAsLong() - lease.acquiredNanos();
		CircuitBreaker breaker = host.breaker();
		switch (end) {
			case AttemptEnd.Answered answered -> {
				breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
				host.limit().onSuccess(AdaptiveLimit.nanosPerToken(answered.evalCount(), answered.evalDurationNanos()));
				host.markWarm(answered.model());
			}
			case AttemptEnd.Refused refused -> breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
			case AttemptEnd.HostFailed failed -> {
				if (failed.busy()) {
					host.limit().onBusy();
				}
				breaker.onError(nanos, TimeUnit.NANOSECONDS, failed.error());
			}
			case AttemptEnd.Abandoned abandoned -> breaker.releasePermission();
		}
		synchronized (this) {
			host.inFlight--;
			if (!(end instanceof AttemptEnd.Abandoned)) {
				this.health.attemptEnded(host, end instanceof AttemptEnd.HostFailed, nanos, this.nanoClock.getAsLong());
			}
		}
		this.slotListeners.tellAll();
	}

	/**
	 * Replaces the host's warm models with what its {@code /api/ps} lists now.
	 * @param host a host of this pool
	 * @param loaded normalised names of the models loaded on it
	 */
	public void loadedModels(OllamaHost host, Set<String> loaded) {
		host.warmModels(loaded);
	}

	/**
	 * @param host a host of this pool
	 * @return its state now, for health and metrics
	 */
	public synchronized HostStatus status(OllamaHost host) {
		long now = this.nanoClock.getAsLong();
		return new HostStatus(host.id(), host.slots(), host.share(), host.limit().current(), host.inFlight,
				host.breaker().getState().name(), this.health.failureRate(host, now), this.health.degraded(host, now));
	}

	/**
	 * Whether stopping one call on the host frees a slot that a job for the model can
	 * take at once: the host serves the model with it already loaded (no model swap), its
	 * breaker is closed, and it is not over this worker's capacity. Used to pick
	 * preemption victims.
	 * @param host a host of this pool
	 * @param model normalised model name of the waiting job
	 * @return true when a call stopped there frees a usable slot for the model
	 */
	public synchronized boolean freesSlotFor(OllamaHost host, String model) {
		return host.serves(model) && host.isWarm(model) && host.closed() && host.inFlight <= host.capacity();
	}

	/**
	 * How long a job waits for a healthy slot before it takes a degraded host's
	 * ({@link DegradedHosts}).
	 * @return the hold, ns; 0 while holding is off, before the first success, or with no
	 * healthy host
	 */
	public synchronized long holdNanos() {
		return this.health.holdNanos(this.nanoClock.getAsLong());
	}

	/**
	 * Whether a job that waited {@code waitedNanos} is being held back: a degraded host
	 * has a free slot for its model that {@link #tryAcquire(String, String, long)} leaves
	 * to a healthy host for now.
	 * @param model normalised model name
	 * @param waitedNanos how long the job has waited in its lane, ns
	 * @return true while the hold lasts
	 */
	synchronized boolean holdsBack(String model, long waitedNanos) {
		return this.health.holdRemaining(model, waitedNanos, this.nanoClock.getAsLong()) > 0;
	}

	/**
	 * @return slots on hosts whose breaker is closed, at their current adaptive limits
	 * within this worker's share
	 */
	public int usableSlots() {
		return this.hosts.stream().filter(OllamaHost::closed).mapToInt(OllamaHost::capacity).sum();
	}

	/**
	 * Sets this worker's share of a host's slots, as fleet-wide slot sharing decides it,
	 * and tells the scheduler.
	 * @param shares by host id, slots this worker may use (clamped to 0 to the host's
	 * slots); hosts not named keep their share
	 */
	public void assignShares(Map<String, Integer> shares) {
		for (OllamaHost host : this.hosts) {
			Integer share = shares.get(host.id());
			if (share != null) {
				host.share(share);
			}
		}
		this.slotListeners.tellAll();
	}

	/**
	 * Tells the scheduler that capacity may have grown (a limit rose, a probe closed a
	 * breaker).
	 */
	public void capacityChanged() {
		this.slotListeners.tellAll();
	}

}
