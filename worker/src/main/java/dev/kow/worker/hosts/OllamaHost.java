package dev.kow.worker.hosts;

import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.kow.worker.ollama.ModelNames;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/**
 * One Ollama host of the pool: its slots, what is in flight on it, its circuit breaker and the models
 * believed loaded (warm) on it. In-flight counting is guarded by the {@link HostPool}.
 */
public final class OllamaHost {

	private final String id;

	private final URI url;

	private final int slots;

	private final Set<String> models;

	private final CircuitBreaker breaker;

	private final Set<String> warm = ConcurrentHashMap.newKeySet();

	private final AdaptiveLimit limit;

	int inFlight;

	/** This worker's share of the slots when the fleet shares them; the slots until told otherwise. */
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

	/** @return host id */
	public String id() {
		return this.id;
	}

	/** @return base URL */
	public URI url() {
		return this.url;
	}

	/** @return configured slots */
	public int slots() {
		return this.slots;
	}

	/** @return this worker's share of the slots (0 to {@link #slots()}); all of them unless the fleet shares them */
	public int share() {
		return this.share;
	}

	/**
	 * @param slotsForThisWorker this worker's share of the host's slots, 0 to {@link #slots()}
	 * @see SlotSharing
	 */
	void share(int slotsForThisWorker) {
		this.share = Math.max(0, Math.min(this.slots, slotsForThisWorker));
	}

	/** @return calls this worker may have in flight on the host now: its adaptive limit within its share */
	public int capacity() {
		return Math.min(this.limit.current(), this.share);
	}

	/** @return its adaptive in-flight limit (at most {@link #slots()}) */
	public AdaptiveLimit limit() {
		return this.limit;
	}

	/** @return its circuit breaker */
	public CircuitBreaker breaker() {
		return this.breaker;
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

	/** @param model a model that just answered here */
	public void markWarm(String model) {
		this.warm.add(ModelNames.normalize(model));
	}

	/** @param loaded the models {@code /api/ps} lists now */
	public void warmModels(Set<String> loaded) {
		this.warm.retainAll(loaded);
		this.warm.addAll(loaded);
	}
}
