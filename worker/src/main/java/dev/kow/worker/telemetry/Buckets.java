package dev.kow.worker.telemetry;

import java.time.Duration;
import java.util.Arrays;

/**
 * Histogram bucket boundaries for the worker's duration meters: explicit and few (13 to
 * 16), so p99 panels reach where LLM work goes (Micrometer's default percentile histogram
 * stops at 30 s with about 70 buckets per series).
 */
public final class Buckets {

	private static final Duration[] CALL = seconds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160, 320, 640,
			1800);

	private static final Duration[] FIRST_TOKEN = seconds(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
			600);

	private static final Duration[] WAIT = seconds(0.01, 0.05, 0.25, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400,
			43200, 86400);

	private Buckets() {
	}

	/**
	 * @param ceiling the longest a call may take ({@code worker.timeouts.total-ceiling})
	 * @return boundaries for one Ollama call, 50 ms to 30 min (the default ceiling), 15
	 * buckets, and the ceiling as a 16th when it is above 30 min
	 */
	public static Duration[] call(Duration ceiling) {
		Duration last = CALL[CALL.length - 1];
		if (ceiling.compareTo(last) <= 0) {
			return CALL.clone();
		}
		Duration[] bounds = Arrays.copyOf(CALL, CALL.length + 1);
		bounds[CALL.length] = ceiling;
		return bounds;
	}

	/**
	 * @return boundaries for time to first token, 25 ms to 10 min (the default
	 * {@code worker.timeouts.ttft-ceiling}), 14 buckets
	 */
	public static Duration[] firstToken() {
		return FIRST_TOKEN.clone();
	}

	/**
	 * @return boundaries for waits in a lane and end-to-end latency, 10 ms to 24 h (a
	 * batch's completion window), 15 buckets
	 */
	public static Duration[] waits() {
		return WAIT.clone();
	}

	private static Duration[] seconds(double... values) {
		return Arrays.stream(values).mapToObj(s -> Duration.ofNanos(Math.round(s * 1e9))).toArray(Duration[]::new);
	}

}
