package dev.kow.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.kow.sim.Fault;
import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.Profile;

/**
 * A case of the {@code faults} scenario: everything that makes it differ from a healthy
 * run in one value, its hosts' speed profile and the schedule of its faults. Host 0 is
 * the sick one (in {@code cold-loads}, host 2).
 */
enum FaultCase {

	/**
	 * Fault-free arrivals before the cases, not reported, so the first case does not pay
	 * for JIT compilation.
	 */
	WARMUP("warmup") {
		@Override
		long start(List<OllamaSimulator> hosts, ScheduledExecutorService clock) {
			return 0;
		}
	},
	/** Host 0 down for 8 s from 4 s on. */
	HOST_DOWN("host-down") {
		@Override
		long start(List<OllamaSimulator> hosts, ScheduledExecutorService clock) {
			clock.schedule(() -> hosts.get(0).downFor(Duration.ofSeconds(8)), 4, TimeUnit.SECONDS);
			return System.currentTimeMillis() + 4000;
		}
	},
	/** Host 0 down for 1.5 s every 3 s, four times. */
	FLAPPING("flapping") {
		@Override
		long start(List<OllamaSimulator> hosts, ScheduledExecutorService clock) {
			for (int i = 0; i < 4; i++) {
				clock.schedule(() -> hosts.get(0).downFor(Duration.ofMillis(1500)), 3000 + i * 3000L,
						TimeUnit.MILLISECONDS);
			}
			return System.currentTimeMillis() + 3000;
		}
	},
	/** 90 % of host 0's requests answered 503 between 3 s and 11 s. */
	BUSY_STORM("503-storm") {
		@Override
		long start(List<OllamaSimulator> hosts, ScheduledExecutorService clock) {
			OllamaSimulator sick = hosts.get(0);
			clock.schedule(() -> sick.faults().rate(Fault.BUSY_503, 0.9), 3, TimeUnit.SECONDS);
			clock.schedule(() -> sick.faults().rate(Fault.BUSY_503, 0), 11, TimeUnit.SECONDS);
			return 0;
		}
	},
	/** 20 % of host 0's streams stop after 3 chunks. */
	STALLS("stalls") {
		@Override
		long start(List<OllamaSimulator> hosts, ScheduledExecutorService clock) {
			hosts.get(0).faults().rate(Fault.STALL_MIDSTREAM, 0.2);
			return 0;
		}

		@Override
		boolean measuresStallDetection() {
			return true;
		}
	},
	/** 20 % of host 0's streams end without the final chunk. */
	TRUNCATED_STREAMS("truncated-streams") {
		@Override
		long start(List<OllamaSimulator> hosts, ScheduledExecutorService clock) {
			hosts.get(0).faults().rate(Fault.TRUNCATED_STREAM, 0.2);
			return 0;
		}
	},
	/**
	 * 20 % of host 0's requests wait 60 s of model time (6 s at time scale 0.1) for the
	 * first token.
	 */
	SLOW_FIRST_TOKEN("slow-first-token") {
		@Override
		long start(List<OllamaSimulator> hosts, ScheduledExecutorService clock) {
			hosts.get(0).faults().slowFirstToken(Duration.ofSeconds(60)).rate(Fault.SLOW_FIRST_TOKEN, 0.2);
			return 0;
		}
	},
	/**
	 * A 30 s model load on every host; host 2 is down at the start and comes up cold
	 * after 6 s, once budgets were learned elsewhere.
	 */
	COLD_LOADS("cold-loads") {
		@Override
		long start(List<OllamaSimulator> hosts, ScheduledExecutorService clock) {
			hosts.get(2).downFor(Duration.ofSeconds(6));
			return 0;
		}

		@Override
		Profile profile(int host) {
			Profile base = Profile.GPU_4090;
			return new Profile("cold", base.decodeTokensPerSecond(), base.prefillTokensPerSecond(), base.warmLoad(),
					Duration.ofSeconds(30), base.concurrencySlowdown());
		}
	},
	/**
	 * Host 0 decodes and prefills 4 x slower, with no fault: it must not be taken for
	 * sick.
	 */
	SLOW_HEALTHY_HOST("slow-healthy-host") {
		@Override
		long start(List<OllamaSimulator> hosts, ScheduledExecutorService clock) {
			return 0;
		}

		@Override
		Profile profile(int host) {
			Profile base = Profile.GPU_4090;
			return host == 0 ? new Profile("slow", base.decodeTokensPerSecond() / 4, base.prefillTokensPerSecond() / 4,
					base.warmLoad(), base.coldLoad(), base.concurrencySlowdown()) : base;
		}
	};

	/** The name in reports and in {@code --cases}. */
	final String key;

	FaultCase(String key) {
		this.key = key;
	}

	/**
	 * Starts the case's faults, now or on the clock.
	 * @param hosts the case's fresh hosts
	 * @param clock a timer for faults that come later
	 * @return when host 0 first goes down (epoch ms), 0 for cases without a host going
	 * down
	 */
	abstract long start(List<OllamaSimulator> hosts, ScheduledExecutorService clock);

	/**
	 * @param host a host's index
	 * @return its speed profile in this case
	 */
	Profile profile(int host) {
		return Profile.GPU_4090;
	}

	/**
	 * @return whether the report adds how fast stalls were detected
	 */
	boolean measuresStallDetection() {
		return false;
	}

	/**
	 * @return the reported cases' names, in order
	 */
	static List<String> keys() {
		return Arrays.stream(values()).filter(c -> c != WARMUP).map(c -> c.key).toList();
	}

	/**
	 * @param key a case name
	 * @return the case
	 * @throws IllegalArgumentException naming the known cases when there is none of that
	 * name
	 */
	static FaultCase of(String key) {
		return Arrays.stream(values())
			.filter(c -> c.key.equals(key))
			.findFirst()
			.orElseThrow(() -> new IllegalArgumentException("unknown case '" + key + "'; known: " + keys()));
	}

}
