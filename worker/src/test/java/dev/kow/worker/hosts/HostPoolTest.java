package dev.kow.worker.hosts;

import java.net.URI;
import java.util.List;
import java.util.Set;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HostPoolTest {

	private static OllamaHost host(String id, int slots, Set<String> models) {
		return new OllamaHost(id, URI.create("http://127.0.0.1:1"), slots, models, CircuitBreaker.ofDefaults(id));
	}

	@Test
	void aWarmHostWithRoomIsPreferredEvenWhenBusierSoModelsAreNotSwapped() {
		OllamaHost cold = host("cold", 4, Set.of());
		OllamaHost warm = host("warm", 4, Set.of());
		HostPool pool = new HostPool(List.of(cold, warm), System::nanoTime);
		warm.markWarm("qwen3:8b");
		pool.tryAcquire("llama3.1:8b", null);
		pool.tryAcquire("llama3.1:8b", null);
		assertThat(pool.inFlight(warm)).as("least loaded spreads the unknown model").isEqualTo(1);

		SlotLease lease = pool.tryAcquire("qwen3:8b", null);
		assertThat(lease.host()).isSameAs(warm);
		warm.warmModels(Set.of());
		assertThat(pool.tryAcquire("qwen3:8b", null).host()).as("no longer warm: least loaded").isSameAs(cold);
	}

	@Test
	void theHostOfTheFailedAttemptIsUsedOnlyWhenNoOtherHasRoom() {
		OllamaHost a = host("a", 1, Set.of());
		OllamaHost b = host("b", 1, Set.of());
		HostPool pool = new HostPool(List.of(a, b), System::nanoTime);
		assertThat(pool.tryAcquire("m", "a").host()).isSameAs(b);
		assertThat(pool.tryAcquire("m", "a").host()).isSameAs(a);
		assertThat(pool.tryAcquire("m", "a")).as("no slot left").isNull();
	}

	@Test
	void anOpenBreakerTakesTheHostOutAndModelsRestrictHosts() {
		OllamaHost open = new OllamaHost("open", URI.create("http://127.0.0.1:1"), 4, Set.of(),
				CircuitBreaker.of("open", CircuitBreakerConfig.ofDefaults()));
		OllamaHost embedOnly = host("embed", 4, Set.of("nomic-embed-text:latest"));
		HostPool pool = new HostPool(List.of(open, embedOnly), System::nanoTime);
		open.breaker().transitionToOpenState();
		assertThat(pool.tryAcquire("llama3.1:8b", null)).isNull();
		assertThat(pool.tryAcquire("nomic-embed-text", null).host()).isSameAs(embedOnly);
		assertThat(pool.anyServes("llama3.1:8b")).isTrue();
		assertThat(new HostPool(List.of(embedOnly), System::nanoTime).anyServes("llama3.1:8b")).isFalse();
	}
}
