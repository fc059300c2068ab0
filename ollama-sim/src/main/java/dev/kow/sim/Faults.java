package dev.kow.sim;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The fault plan of one simulated host, changeable while it runs: one-shot faults applied
 * to the next inference requests in order, and per-fault probabilities. (A host that is
 * down is {@link OllamaSimulator#downFor}.) Thread-safe.
 */
public final class Faults {

	private final Deque<Fault> scripted = new ArrayDeque<>();

	private final Map<Fault, Double> rates = new EnumMap<>(Fault.class);

	private final SplittableRandom random;

	private Duration slowFirstToken = Duration.ofSeconds(5);

	/**
	 * @param seed seed of the random draws, so runs are repeatable
	 */
	public Faults(long seed) {
		this.random = new SplittableRandom(seed);
	}

	/**
	 * Queues faults for the next inference requests, one each, in order.
	 * @param faults the faults
	 * @return this
	 */
	public synchronized Faults next(Fault... faults) {
		for (Fault fault : faults) {
			this.scripted.addLast(fault);
		}
		return this;
	}

	/**
	 * Sets the probability of a fault on every inference request.
	 * @param fault the fault
	 * @param probability 0 to 1
	 * @return this
	 */
	public synchronized Faults rate(Fault fault, double probability) {
		this.rates.put(fault, probability);
		return this;
	}

	/**
	 * @param extra delay added before the first token by {@link Fault#SLOW_FIRST_TOKEN},
	 * model time (multiplied by the simulator's time scale, like every simulated
	 * duration)
	 * @return this
	 */
	public synchronized Faults slowFirstToken(Duration extra) {
		this.slowFirstToken = extra;
		return this;
	}

	/**
	 * @return the delay of {@link Fault#SLOW_FIRST_TOKEN}, model time
	 */
	public synchronized Duration slowFirstToken() {
		return this.slowFirstToken;
	}

	/**
	 * @return the fault for the next inference request, {@link Fault#NONE} for none
	 */
	synchronized Fault draw() {
		Fault next = this.scripted.pollFirst();
		if (next != null) {
			return next;
		}
		for (Map.Entry<Fault, Double> rate : this.rates.entrySet()) {
			if (this.random.nextDouble() < rate.getValue()) {
				return rate.getKey();
			}
		}
		return Fault.NONE;
	}

}
