package dev.kow.worker.hosts;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;
import dev.kow.worker.config.OllamaProperties;
import dev.kow.worker.testing.Fixtures;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class HostPoolTest {

	private static OllamaHost host(String id, int slots, Set<String> models) {
		return Fixtures.host(id, slots, models.toArray(String[]::new));
	}

	@Test
	void aWarmHostWithRoomIsPreferredEvenWhenBusierSoModelsAreNotSwapped() {
		OllamaHost cold = host("cold", 4, Set.of());
		OllamaHost warm = host("warm", 4, Set.of());
		HostPool pool = Fixtures.pool(System::nanoTime, cold, warm);
		warm.markWarm("qwen3:8b");
		pool.tryAcquire("llama3.1:8b", null);
		pool.tryAcquire("llama3.1:8b", null);
		assertThat(pool.status(warm).inFlight()).as("least loaded spreads the unknown model").isEqualTo(1);

		SlotLease lease = pool.tryAcquire("qwen3:8b", null).orElseThrow();
		assertThat(lease.host()).isSameAs(warm);
		warm.warmModels(Set.of());
		assertThat(pool.tryAcquire("qwen3:8b", null).orElseThrow().host()).as("no longer warm: least loaded")
			.isSameAs(cold);
	}

	@Test
	void theHostOfTheFailedAttemptIsUsedOnlyWhenNoOtherHasRoom() {
		OllamaHost a = host("a", 1, Set.of());
		OllamaHost b = host("b", 1, Set.of());
		HostPool pool = Fixtures.pool(System::nanoTime, a, b);
		assertThat(pool.tryAcquire("m", "a").orElseThrow().host()).isSameAs(b);
		assertThat(pool.tryAcquire("m", "a").orElseThrow().host()).isSameAs(a);
		assertThat(pool.tryAcquire("m", "a")).as("no slot left").isEmpty();
	}

	@Test
	void anOpenBreakerTakesTheHostOutAndModelsRestrictHosts() {
		OllamaHost open = host("open", 4, Set.of());
		OllamaHost embedOnly = host("embed", 4, Set.of("nomic-embed-text:latest"));
		HostPool pool = Fixtures.pool(System::nanoTime, open, embedOnly);
		open.breaker().transitionToOpenState();
		assertThat(pool.tryAcquire("llama3.1:8b", null)).isEmpty();
		assertThat(pool.tryAcquire("nomic-embed-text:latest", null).orElseThrow().host()).isSameAs(embedOnly);
		assertThat(pool.anyServes("llama3.1:8b")).isTrue();
		assertThat(Fixtures.pool(System::nanoTime, embedOnly).anyServes("llama3.1:8b")).isFalse();
	}

	@Test
	void aHostThatFailsOftenGetsWorkOnlyWhileTheHealthyOnesAreFullUntilItsFailuresAge() {
		AtomicLong nanos = new AtomicLong();
		OllamaHost sick = host("sick", 4, Set.of());
		OllamaHost healthy = host("healthy", 4, Set.of());
		HostPool pool = Fixtures.pool(nanos::get, sick, healthy);
		List<SlotLease> leases = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			leases.add(pool.tryAcquire("m", null).orElseThrow());
		}
		int sickFailures = 0;
		for (SlotLease lease : leases) {
			boolean fails = lease.host() == sick && sickFailures++ < 2;
			pool.release(lease, fails ? Fixtures.hostFailed() : Fixtures.DONE);
		}
		assertThat(pool.status(sick).failureRate()).as("2 failures in 4 attempts, over a prior of 5")
			.isCloseTo(2.0 / 9, within(1e-9));
		assertThat(pool.status(healthy).failureRate()).isZero();

		List<SlotLease> busy = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			busy.add(pool.tryAcquire("m", null).orElseThrow());
		}
		assertThat(busy).as("the healthy host first, even when busier").allMatch(lease -> lease.host() == healthy);
		busy.add(pool.tryAcquire("m", null).orElseThrow());
		assertThat(busy.get(4).host()).as("the only free slot is used").isSameAs(sick);

		nanos.addAndGet(Duration.ofMinutes(10).toNanos());
		assertThat(pool.status(sick).failureRate()).as("ten half-lives later").isLessThan(0.001);
		busy.forEach(lease -> pool.release(lease, Fixtures.DONE));
		assertThat(pool.tryAcquire("m", null).orElseThrow().host()).isSameAs(healthy);
		assertThat(pool.tryAcquire("m", null).orElseThrow().host()).as("failures forgotten: least loaded again")
			.isSameAs(sick);
	}

	@Test
	void aJobWaitsForAHealthySlotBeforeTakingADegradedHostsForAtMostTheHold() {
		AtomicLong nanos = new AtomicLong();
		OllamaHost sick = host("sick", 4, Set.of());
		OllamaHost healthy = host("healthy", 4, Set.of());
		HostPool pool = new HostPool(List.of(sick, healthy), Fixtures.holding(Duration.ofSeconds(2)),
				VirtualTimeScheduler.create(), nanos::get);
		assertThat(pool.holdNanos()).as("no success measured yet: no hold").isZero();
		List<SlotLease> first = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			first.add(pool.tryAcquire("m", null, 0).orElseThrow());
		}
		nanos.addAndGet(Duration.ofMillis(400).toNanos());
		int sickFailures = 0;
		for (SlotLease lease : first) {
			boolean fails = lease.host() == sick && sickFailures++ < 2;
			pool.release(lease, fails ? Fixtures.hostFailed() : Fixtures.DONE);
		}
		assertThat(pool.status(sick).degraded()).as("2 failures in 4 attempts, over a prior of 5: 22 %").isTrue();
		assertThat(pool.status(healthy).degraded()).isFalse();
		// mean successful slot time 400 ms over the healthy host's 4 slots: two intervals
		// are 200 ms
		assertThat(pool.holdNanos()).isEqualTo(Duration.ofMillis(200).toNanos());

		List<SlotLease> busy = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			busy.add(pool.tryAcquire("m", null, 0).orElseThrow());
		}
		assertThat(busy).allMatch(lease -> lease.host() == healthy);
		assertThat(pool.tryAcquire("m", null, Duration.ofMillis(150).toNanos()))
			.as("the healthy host is busy, but one of its slots is expected soon")
			.isEmpty();
		assertThat(pool.holdsBack("m", Duration.ofMillis(150).toNanos())).isTrue();
		assertThat(pool.holdsBack("m", Duration.ofMillis(200).toNanos())).isFalse();
		assertThat(pool.tryAcquire("m", null, Duration.ofMillis(200).toNanos()).orElseThrow().host())
			.as("after the hold the degraded host's slot is used")
			.isSameAs(sick);
		pool.release(busy.get(0), Fixtures.DONE);
		assertThat(pool.tryAcquire("m", null, 0).orElseThrow().host()).as("a healthy slot at once").isSameAs(healthy);
		assertThat(pool.tryAcquire("m", null).orElseThrow().host())
			.as("the slot a preemption freed is taken without a hold")
			.isSameAs(sick);

		HostPool off = new HostPool(List.of(sick, healthy),
				new OllamaProperties.Routing(10, Duration.ofSeconds(60), 1.0, Duration.ofSeconds(2)),
				VirtualTimeScheduler.create(), nanos::get);
		assertThat(off.holdNanos()).as("degraded-failure-rate 1 turns holding off").isZero();
		assertThat(off.status(sick).degraded()).isFalse();
	}

}
