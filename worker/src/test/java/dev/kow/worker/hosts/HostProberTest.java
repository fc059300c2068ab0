package dev.kow.worker.hosts;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import dev.kow.sim.OllamaSimulator;
import dev.kow.sim.SimConfig;
import dev.kow.worker.ollama.OllamaClient;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import dev.kow.worker.testing.Fixtures;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The breaker's transitions: open and half-open hosts get no jobs; a cheap probe decides
 * the way back.
 */
class HostProberTest {

	private final OllamaSimulator sim = OllamaSimulator.start(SimConfig.defaults());

	private final OllamaClient client = new OllamaClient(Schedulers.parallel(), System::nanoTime);

	@AfterEach
	void stop() {
		this.client.close();
		this.sim.close();
	}

	@Test
	void halfOpenHostsAreProbedWithGetRootNotWithJobs() {
		CircuitBreaker breaker = CircuitBreaker.of("h",
				CircuitBreakerConfig.custom().permittedNumberOfCallsInHalfOpenState(1).build());
		OllamaHost host = new OllamaHost("h", URI.create(this.sim.baseUrl()), 2, Set.of(), breaker);
		HostPool pool = Fixtures.pool(System::nanoTime, host);
		HostProber prober = new HostProber(pool, this.client, Duration.ofSeconds(2), System::nanoTime);

		breaker.transitionToOpenState();
		assertThat(pool.tryAcquire("m", null)).as("open: no jobs").isEmpty();
		breaker.transitionToHalfOpenState();
		assertThat(pool.tryAcquire("m", null)).as("half-open: no jobs either").isEmpty();

		prober.probeHalfOpen().block(Duration.ofSeconds(5));
		assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
		assertThat(pool.tryAcquire("m", null)).isPresent();
		assertThat(this.sim.requestLog().entries()).as("the probe was not an inference call").isEmpty();

		this.sim.downFor(Duration.ofSeconds(30));
		breaker.transitionToOpenState();
		breaker.transitionToHalfOpenState();
		prober.probeHalfOpen().block(Duration.ofSeconds(5));
		assertThat(breaker.getState()).as("a failed probe opens it again").isEqualTo(CircuitBreaker.State.OPEN);
	}

}
