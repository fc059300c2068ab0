package dev.kow.sim;

import java.time.Duration;

/**
 * Hardware and model speeds the simulator imitates ({@code docs/ollama-behaviour.md},
 * "Load times and metrics"), before time scaling.
 *
 * @param name profile name
 * @param decodeTokensPerSecond single-stream decode speed, tokens/s
 * @param prefillTokensPerSecond prompt evaluation speed, tokens/s
 * @param warmLoad {@code load_duration} of a request whose model is already loaded
 * @param coldLoad time to load a model that is not loaded
 * @param concurrencySlowdown per-stream decode = base / (1 + slowdown x (active - 1))
 */
public record Profile(String name, double decodeTokensPerSecond, double prefillTokensPerSecond, Duration warmLoad,
		Duration coldLoad, double concurrencySlowdown) {

	/** The default: an RTX 4090 serving llama3.1:8b Q4_K_M. */
	public static final Profile GPU_4090 = new Profile("gpu-4090-llama3.1-8b-q4", 110, 4000, Duration.ofMillis(8),
			Duration.ofMillis(2500), 0.12);

	/** An A100 80 GB, 8B Q4. */
	public static final Profile GPU_A100 = new Profile("gpu-a100-8b-q4", 130, 4500, Duration.ofMillis(8),
			Duration.ofMillis(3000), 0.12);

	/** An H100, 8B Q4. */
	public static final Profile GPU_H100 = new Profile("gpu-h100-8b-q4", 155, 6500, Duration.ofMillis(8),
			Duration.ofMillis(2500), 0.12);

	/** A desktop CPU, 8B Q4. */
	public static final Profile CPU = new Profile("cpu-8b-q4", 10, 60, Duration.ofMillis(8), Duration.ofMillis(4000),
			0.12);

	/**
	 * @param name a profile name
	 * @return the profile
	 * @throws IllegalArgumentException for an unknown name
	 */
	public static Profile named(String name) {
		for (Profile p : new Profile[] { GPU_4090, GPU_A100, GPU_H100, CPU }) {
			if (p.name().equals(name)) {
				return p;
			}
		}
		throw new IllegalArgumentException("unknown profile '" + name + "'; known: " + GPU_4090.name() + ", "
				+ GPU_A100.name() + ", " + GPU_H100.name() + ", " + CPU.name());
	}
}
