package dev.kow.sim;

import java.time.Clock;
import java.util.function.LongSupplier;

/**
 * What the simulator takes from its surroundings: its wall clock (timestamps in answers
 * and the request log), its monotonic clock (due times of chunks and loads, ns) and the
 * seed of its random fault draws. Tests and benchmarks inject their own;
 * {@link #system()} is the real one.
 *
 * @param wall wall clock
 * @param nanos monotonic clock, ns
 * @param faultSeed seed of {@link Faults}' random draws, so runs are repeatable
 */
public record SimRuntime(Clock wall, LongSupplier nanos, long faultSeed) {

	/** The seed of {@link #system()}. */
	public static final long DEFAULT_SEED = 42;

	/**
	 * @return the system clocks and the default seed
	 */
	public static SimRuntime system() {
		return new SimRuntime(Clock.systemUTC(), System::nanoTime, DEFAULT_SEED);
	}

	/**
	 * @param seed another seed for the fault draws
	 * @return a copy with that seed
	 */
	public SimRuntime withFaultSeed(long seed) {
		return new SimRuntime(this.wall, this.nanos, seed);
	}

	/**
	 * @param clock another wall clock
	 * @return a copy with that wall clock
	 */
	public SimRuntime withWall(Clock clock) {
		return new SimRuntime(clock, this.nanos, this.faultSeed);
	}

}
