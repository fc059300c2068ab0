package dev.kow.worker;

import dev.kow.worker.config.IntakeProperties;
import dev.kow.worker.telemetry.JobTracing;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The job spans on Spring Boot's Micrometer Tracing (OpenTelemetry bridge, W3C
 * propagation). With tracing turned off ({@code management.tracing.enabled=false}) there
 * is no tracer and the spans are no-ops. Export is Spring Boot's: OTLP over HTTP when
 * {@code management.opentelemetry.tracing.export.otlp.endpoint} is set, nothing
 * otherwise.
 */
@Configuration(proxyBeanMethods = false)
public class TracingConfiguration {

	@Bean
	JobTracing jobTracing(ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator,
			IntakeProperties intake) {
		Tracer t = tracer.getIfAvailable();
		Propagator p = propagator.getIfAvailable();
		return t == null || p == null ? JobTracing.NOOP : new JobTracing(t, p, intake.groupId());
	}

}
