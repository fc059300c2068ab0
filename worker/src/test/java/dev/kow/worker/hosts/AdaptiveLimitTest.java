package dev.kow.worker.hosts;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AdaptiveLimitTest {

	@Test
	void busyHalvesAndHealthyCallsGrowItBackNeverAboveTheSlots() {
		AdaptiveLimit limit = new AdaptiveLimit(8, 2.0);
		assertThat(limit.current()).isEqualTo(8);
		limit.onBusy();
		assertThat(limit.current()).isEqualTo(4);
		limit.onBusy();
		limit.onBusy();
		limit.onBusy();
		assertThat(limit.current()).as("never below 1").isEqualTo(1);
		for (int i = 0; i < 200; i++) {
			limit.onSuccess(10_000_000);
		}
		assertThat(limit.current()).isEqualTo(8);
	}

	@Test
	void longGenerationsAreNotCongestionButSlowTokensAre() {
		AdaptiveLimit limit = new AdaptiveLimit(4, 2.0);
		for (int i = 0; i < 50; i++) {
			limit.onSuccess(10_000_000); // 10 ms per token, whatever the answer's length
		}
		assertThat(limit.current()).isEqualTo(4);
		for (int i = 0; i < 50; i++) {
			limit.onSuccess(13_000_000); // 1.3 x: the normal cost of concurrency on a GPU
		}
		assertThat(limit.current()).isEqualTo(4);
		for (int i = 0; i < 100; i++) {
			limit.onSuccess(40_000_000); // 4 x slower per token: the host is overloaded
		}
		assertThat(limit.current()).isLessThan(4);
	}

	@Test
	void shortGenerationsGiveNoSignal() {
		assertThat(AdaptiveLimit.nanosPerToken(8, 400_000)).isZero();
		assertThat(AdaptiveLimit.nanosPerToken(200, 2_000_000_000L)).isEqualTo(10_000_000);
		AdaptiveLimit limit = new AdaptiveLimit(4, 2.0);
		limit.onSuccess(AdaptiveLimit.nanosPerToken(20, 21_000_000));
		for (int i = 0; i < 50; i++) {
			limit.onSuccess(AdaptiveLimit.nanosPerToken(8, 9_000_000)); // noise-sized
																		// samples are
																		// ignored
		}
		assertThat(limit.current()).isEqualTo(4);
	}

}
