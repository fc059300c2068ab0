package dev.kow.worker.hosts;

import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/**
 * One Ollama host of the pool: its address, its slots and the models it serves. What
 * changes with its health (circuit breaker, adaptive limit, warm models, calls in flight,
 * this worker's share) is kept here but changed only by this package: {@link HostPool}
 * through {@link HostPool#release}, the prober and slot sharing. Read it from outside
 * through {@link HostPool#status(OllamaHost)}.
 */
public final class OllamaHost {

	private final String id;

	private final URI url;

	private final int slots;

	private final Set<String> models;

	private final CircuitBreaker breaker;

	private final Set<String> warm = ConcurrentHashMap.newKeySet();

	private final AdaptiveLimit limit;

	/** Calls in flight; guarded by the {@link HostPool}'s monitor. */
	int inFlight;

	/**
	 * This worker's share of the slots when the fleet shares them; the slots until told
	 * otherwise.
	 */
	private volatile int share;

	/**
	 * @param id unique host id
	 * @param url base URL
	 * @param slots requests it may run at once (its {@code OLLAMA_NUM_PARALLEL})
	 * @param models normalised names of the models it serves; empty means any
	 * @param breaker its circuit breaker
	 */
	public OllamaHost(String id, URI url, int slots, Set<String> models, CircuitBreaker breaker) {
		this.id = id;
		this.url = url;
		this.slots = slots;
		this.models = Set.copyOf(models);
		this.breaker = breaker;
		this.limit = new AdaptiveLimit(slots, AdaptiveLimit.DEFAULT_TOLERANCE);
		this.share = slots;
	}

	/**
	 * @return host id
	 */
	public String id() {
		return this.id;
	}

	/**
	 * @return base URL
	 */
	public URI url() {
		return this.url;
	}

	/**
	 * @return configured slots
	 */
	public int slots() {
		return this.slots;
	}

	/**
	 * @return this worker's share of the slots (0 to {@link #slots()}); all of them
	 * unless the fleet shares them
	 */
	public int share() {
		return this.share;
	}

	/**
	 * @param slotsForThisWorker this worker's share of the host's slots, 0 to
	 * {@link #slots()}
	 * @see SlotSharing
	 */
	void share(int slotsForThisWorker) {
		this.share = Math.max(0, Math.min(this.slots, slotsForThisWorker));
	}

	/**
	 * @return calls this worker may have in flight on the host now: its adaptive limit
	 * within its share
	 */
	int capacity() {
		return Math.min(this.limit.current(), this.share);
	}

	AdaptiveLimit limit() {
		return this.limit;
	}

	CircuitBreaker breaker() {
		return this.breaker;
	}

	boolean closed() {
		return this.breaker.getState() == CircuitBreaker.State.CLOSED;
	}

	/**
	 * @return normalised names of the models it serves; empty means any
	 */
	public Set<String> models() {
		return this.models;
	}

	/**
	 * @param model a normalised model name
	 * @return whether this host is configured to serve it
	 */
	public boolean serves(String model) {
		return this.models.isEmpty() || this.models.contains(model);
	}

	/**
	 * @param model a normalised model name
	 * @return whether the model is believed loaded here
	 */
	public boolean isWarm(String model) {
		return this.warm.contains(model);
	}

	/**
	 * @param model the normalised name of a model that just answered here
	 */
	void markWarm(String model) {
		this.warm.add(model);
	}

	/**
	 * @param loaded the normalised names of the models {@code /api/ps} lists now
	 */
	void warmModels(Set<String> loaded) {
		this.warm.retainAll(loaded);
		this.warm.addAll(loaded);
	}

}
