package dev.kow.worker.hosts;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.kow.worker.config.OllamaProperties;

/**
 * Each host's recent failure rate ({@link FailureRate}), which hosts it makes degraded,
 * and how long a job is held back from a degraded host's free slot while a healthy host
 * serving its model is busy: two expected intervals between healthy slot releases (the
 * mean slot time of successful attempts / the healthy hosts' usable slots), at most
 * {@code routing.degraded-max-hold}. Not thread-safe: the {@link HostPool} calls it under
 * its monitor.
 */
final class DegradedHosts {

	private final List<OllamaHost> hosts;

	private final Map<OllamaHost, FailureRate> failures = new HashMap<>();

	private final double degradedRate;

	private final long maxHoldNanos;

	/**
	 * Mean slot time of successful attempts (exponentially weighted), ns; NaN before the
	 * first.
	 */
	private double serviceNanos = Double.NaN;

	/**
	 * @param hosts the pool's hosts
	 * @param routing failure half-life, degraded rate and longest hold
	 */
	DegradedHosts(List<OllamaHost> hosts, OllamaProperties.Routing routing) {
		this.hosts = hosts;
		this.degradedRate = routing.degradedFailureRate();
		this.maxHoldNanos = routing.degradedMaxHold().toNanos();
		for (OllamaHost host : hosts) {
			this.failures.put(host, new FailureRate(routing.failureHalfLife()));
		}
	}

	/**
	 * An attempt on the host ended (not abandoned).
	 * @param host the host
	 * @param hostFailure whether it failed because of the host
	 * @param slotNanos how long it held its slot, ns
	 * @param now nano-clock time
	 */
	void attemptEnded(OllamaHost host, boolean hostFailure, long slotNanos, long now) {
		if (!hostFailure) {
			this.serviceNanos = Double.isNaN(this.serviceNanos) ? slotNanos
					: 0.95 * this.serviceNanos + 0.05 * slotNanos;
		}
		rate(host).record(hostFailure, now);
	}

	/**
	 * @return the host's recent failure rate, 0 to 1
	 */
	double failureRate(OllamaHost host, long now) {
		return rate(host).value(now);
	}

	/**
	 * @return whether the host's failure rate has reached the degraded rate
	 */
	boolean degraded(OllamaHost host, long now) {
		return this.degradedRate < 1 && rate(host).value(now) >= this.degradedRate;
	}

	/**
	 * @return the hold, ns; 0 while holding is off, before the first success, or with no
	 * healthy host
	 */
	long holdNanos(long now) {
		if (this.maxHoldNanos <= 0 || this.degradedRate >= 1 || Double.isNaN(this.serviceNanos)) {
			return 0;
		}
		int healthySlots = this.hosts.stream().filter(h -> healthy(h, now)).mapToInt(OllamaHost::capacity).sum();
		return healthySlots == 0 ? 0 : Math.min(this.maxHoldNanos, (long) (2 * this.serviceNanos / healthySlots));
	}

	/**
	 * @param model normalised model name
	 * @param waitedNanos how long the job has waited in its lane, ns
	 * @param now nano-clock time
	 * @return how much longer the job is held back from a degraded host's free slot, ns,
	 * or 0
	 */
	long holdRemaining(String model, long waitedNanos, long now) {
		if (waitedNanos >= this.maxHoldNanos) {
			return 0;
		}
		boolean freeDegraded = this.hosts.stream()
			.anyMatch(h -> h.inFlight < h.capacity() && h.serves(model) && h.closed() && degraded(h, now));
		boolean healthyServes = this.hosts.stream()
			.anyMatch(h -> h.serves(model) && h.capacity() > 0 && healthy(h, now));
		return freeDegraded && healthyServes ? Math.max(0, holdNanos(now) - waitedNanos) : 0;
	}

	private FailureRate rate(OllamaHost host) {
		return Objects.requireNonNull(this.failures.get(host), () -> "not a host of this pool: " + host.id());
	}

	private boolean healthy(OllamaHost host, long now) {
		return host.closed() && !degraded(host, now);
	}

}
