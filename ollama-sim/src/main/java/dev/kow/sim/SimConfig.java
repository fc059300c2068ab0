package dev.kow.sim;

import java.time.Duration;

/**
 * Settings of one simulated Ollama host; the names follow Ollama's environment variables.
 *
 * @param host bind address ({@code OLLAMA_HOST}); 127.0.0.1 by default
 * @param port TCP port, 0 for any free port
 * @param profile speeds before time scaling
 * @param timeScale multiplier on every simulated duration: 1.0 is real time, 0.01 runs
 * 100x faster (reported durations are the scaled, really elapsed ones, so the host looks
 * like a faster GPU)
 * @param numParallel slots per loaded model ({@code OLLAMA_NUM_PARALLEL}, default 1)
 * @param maxQueue pending requests for models that are not loaded yet
 * ({@code OLLAMA_MAX_QUEUE}, 512)
 * @param maxLoadedModels models loaded at once ({@code OLLAMA_MAX_LOADED_MODELS}, 3)
 * @param defaultKeepAlive idle time before unloading ({@code OLLAMA_KEEP_ALIVE}, 5m);
 * negative: forever
 * @param defaultNumCtx context length when a request sends no {@code num_ctx} (4096)
 * @param version what {@code /api/version} reports
 * @param catalog the pulled models
 * @param minChunkInterval shortest gap between two stream chunks; when tokens come faster
 * (a small time scale), several are sent in one chunk, as a busy real server sometimes
 * does; default 2 ms
 */
public record SimConfig(String host, int port, Profile profile, double timeScale, int numParallel, int maxQueue,
		int maxLoadedModels, Duration defaultKeepAlive, int defaultNumCtx, String version, ModelCatalog catalog,
		Duration minChunkInterval) {

	/** Default {@link #minChunkInterval()}. */
	public static final Duration DEFAULT_MIN_CHUNK_INTERVAL = Duration.ofMillis(2);

	/** The version string reported by default. */
	public static final String DEFAULT_VERSION = "0.32.15";

	/** Validates the settings. */
	public SimConfig {
		if (timeScale <= 0) {
			throw new IllegalArgumentException("timeScale must be > 0, but was " + timeScale);
		}
		if (numParallel < 1 || maxQueue < 1 || maxLoadedModels < 1) {
			throw new IllegalArgumentException("numParallel, maxQueue and maxLoadedModels must be >= 1");
		}
	}

	/**
	 * @return Ollama's defaults on 127.0.0.1, a free port, real time
	 */
	public static SimConfig defaults() {
		return new SimConfig("127.0.0.1", 0, Profile.GPU_4090, 1.0, 1, 512, 3, Duration.ofMinutes(5), 4096,
				DEFAULT_VERSION, ModelCatalog.defaults(), DEFAULT_MIN_CHUNK_INTERVAL);
	}

	/**
	 * @param scale the time scale
	 * @return a copy with that time scale
	 */
	public SimConfig withTimeScale(double scale) {
		return new SimConfig(this.host, this.port, this.profile, scale, this.numParallel, this.maxQueue,
				this.maxLoadedModels, this.defaultKeepAlive, this.defaultNumCtx, this.version, this.catalog,
				this.minChunkInterval);
	}

	/**
	 * @param slots slots per model
	 * @return a copy with that {@code OLLAMA_NUM_PARALLEL}
	 */
	public SimConfig withNumParallel(int slots) {
		return new SimConfig(this.host, this.port, this.profile, this.timeScale, slots, this.maxQueue,
				this.maxLoadedModels, this.defaultKeepAlive, this.defaultNumCtx, this.version, this.catalog,
				this.minChunkInterval);
	}

	/**
	 * @param speeds the speed profile
	 * @return a copy with that profile
	 */
	public SimConfig withProfile(Profile speeds) {
		return new SimConfig(this.host, this.port, speeds, this.timeScale, this.numParallel, this.maxQueue,
				this.maxLoadedModels, this.defaultKeepAlive, this.defaultNumCtx, this.version, this.catalog,
				this.minChunkInterval);
	}

	/**
	 * @param interval shortest gap between stream chunks
	 * @return a copy with that interval
	 */
	public SimConfig withMinChunkInterval(Duration interval) {
		return new SimConfig(this.host, this.port, this.profile, this.timeScale, this.numParallel, this.maxQueue,
				this.maxLoadedModels, this.defaultKeepAlive, this.defaultNumCtx, this.version, this.catalog, interval);
	}

	/**
	 * @param real a real-time duration
	 * @return the duration after time scaling
	 */
	public Duration scaled(Duration real) {
		return Duration.ofNanos((long) (real.toNanos() * this.timeScale));
	}
}
