package dev.kow.worker.hosts;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import dev.kow.worker.ollama.OllamaClient;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Half-open probing with a cheap call: when a host's breaker is half-open, one
 * {@code GET /} (Ollama's "Ollama is running") goes out under the breaker's permission
 * instead of a real job. Success closes the breaker and the host gets work again; failure
 * opens it for another {@code open-for}.
 */
public final class HostProber {

	private final HostPool pool;

	private final OllamaClient client;

	private final Duration timeout;

	private final LongSupplier nanoClock;

	/**
	 * @param pool the hosts
	 * @param client the Ollama client
	 * @param timeout budget of one probe
	 * @param nanoClock monotonic clock, ns
	 */
	public HostProber(HostPool pool, OllamaClient client, Duration timeout, LongSupplier nanoClock) {
		this.pool = pool;
		this.client = client;
		this.timeout = timeout;
		this.nanoClock = nanoClock;
	}

	/**
	 * @return a probe of every half-open host, completing when all are done
	 */
	public Mono<Void> probeHalfOpen() {
		return Flux.fromIterable(this.pool.hosts())
			.filter(host -> host.breaker().getState() == CircuitBreaker.State.HALF_OPEN)
			.filter(host -> host.breaker().tryAcquirePermission())
			.flatMap(host -> {
				long start = this.nanoClock.getAsLong();
				return this.client.ping(host.id(), host.url(), this.timeout)
					.doOnSuccess(
							ok -> host.breaker().onSuccess(this.nanoClock.getAsLong() - start, TimeUnit.NANOSECONDS))
					.doOnError(error -> host.breaker()
						.onError(this.nanoClock.getAsLong() - start, TimeUnit.NANOSECONDS, error))
					.onErrorResume(error -> Mono.empty());
			})
			.then(Mono.fromRunnable(this.pool::capacityChanged));
	}

}
