package dev.kow.worker.hosts;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The per-host gauges ({@code kow_host_*}, tag {@code host}): calls in flight, configured
 * slots, the adaptive limit, this worker's share, the recent failure rate, whether the
 * host is degraded and whether its circuit is open.
 */
public final class HostMetrics implements MeterBinder {

	private final HostPool pool;

	/**
	 * @param pool the hosts to report
	 */
	public HostMetrics(HostPool pool) {
		this.pool = pool;
	}

	@Override
	public void bindTo(MeterRegistry meters) {
		for (OllamaHost host : this.pool.hosts()) {
			Gauge.builder("kow.host.in.flight", this.pool, p -> p.status(host).inFlight())
				.tag("host", host.id())
				.description("This worker's calls in flight on the host")
				.register(meters);
			Gauge.builder("kow.host.slots", host, OllamaHost::slots)
				.tag("host", host.id())
				.description("The host's configured slots (its OLLAMA_NUM_PARALLEL)")
				.register(meters);
			Gauge.builder("kow.host.limit", host, h -> h.limit().current())
				.tag("host", host.id())
				.description("The adaptive in-flight limit, at most the slots")
				.register(meters);
			Gauge.builder("kow.host.share", host, OllamaHost::share)
				.tag("host", host.id())
				.description("This worker's share of the host's slots (all of them without slot sharing)")
				.register(meters);
			Gauge.builder("kow.host.failure.rate", this.pool, p -> p.status(host).failureRate())
				.tag("host", host.id())
				.description("Recent host failures per attempt (decaying), which ranks the host behind healthy ones")
				.register(meters);
			Gauge.builder("kow.host.degraded", this.pool, p -> p.status(host).degraded() ? 1 : 0)
				.tag("host", host.id())
				.description("1 while the host's failure rate is at or above routing.degraded-failure-rate: jobs wait "
						+ "briefly for a healthy slot before taking one of its slots")
				.register(meters);
			Gauge.builder("kow.host.circuit.open", this.pool, p -> p.status(host).open() ? 1 : 0)
				.tag("host", host.id())
				.description("1 while the host's circuit breaker is open")
				.register(meters);
		}
	}

}
