package dev.kow.worker.hosts;

/**
 * A read-only view of one host for health and metrics, taken at one instant.
 *
 * @param id host id
 * @param slots configured slots (the host's {@code OLLAMA_NUM_PARALLEL})
 * @param share this worker's share of the slots (all of them without slot sharing)
 * @param limit the adaptive in-flight limit, at most {@code slots}
 * @param inFlight this worker's calls in flight on the host
 * @param circuit the circuit breaker's state ({@code CLOSED}, {@code OPEN},
 * {@code HALF_OPEN}, ...)
 * @param failureRate recent host failures per attempt, 0 to 1, decaying
 * @param degraded whether the failure rate has reached
 * {@code routing.degraded-failure-rate}
 */
public record HostStatus(String id, int slots, int share, int limit, int inFlight, String circuit, double failureRate,
		boolean degraded) {

	/**
	 * @return whether the breaker lets calls through (closed or half-open)
	 */
	public boolean usable() {
		return "CLOSED".equals(this.circuit) || "HALF_OPEN".equals(this.circuit);
	}

	/**
	 * @return whether the breaker is open ({@code OPEN}; not forced-open)
	 */
	public boolean open() {
		return this.circuit.startsWith("OPEN");
	}
}
