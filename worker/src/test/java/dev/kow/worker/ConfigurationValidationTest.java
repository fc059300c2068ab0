package dev.kow.worker;

import dev.kow.worker.config.OllamaProperties;
import dev.kow.worker.config.SchedulingProperties;
import dev.kow.worker.config.TopicsProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.ssl.DefaultSslBundleRegistry;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import reactor.core.scheduler.Schedulers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bad configuration stops startup with an error that names the property. */
class ConfigurationValidationTest {

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties({ OllamaProperties.class, TopicsProperties.class, SchedulingProperties.class })
	static class PropertiesOnly {

	}

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(PropertiesOnly.class);

	@Test
	void defaultsBind() {
		this.runner.run(context -> {
			assertThat(context).hasNotFailed();
			OllamaProperties ollama = context.getBean(OllamaProperties.class);
			assertThat(ollama.hosts()).hasSize(1);
			assertThat(ollama.hosts().get(0).url().toString()).isEqualTo("http://127.0.0.1:11434");
			assertThat(ollama.retry().maxAttempts()).isEqualTo(4);
			assertThat(context.getBean(SchedulingProperties.class).highWeight()).isEqualTo(8);
		});
	}

	@Test
	void slotsOutOfRangeNamesTheProperty() {
		this.runner
			.withPropertyValues("worker.ollama.hosts[0].url=http://127.0.0.1:1", "worker.ollama.hosts[0].slots=0")
			.run(context -> assertThat(context.getStartupFailure()).hasStackTraceContaining("hosts[0].slots"));
	}

	@Test
	void aNonHttpHostUrlNamesTheProperty() {
		this.runner.withPropertyValues("worker.ollama.hosts[0].url=ftp://gpu-1")
			.run(context -> assertThat(context.getStartupFailure())
				.hasStackTraceContaining("worker.ollama.hosts[].url"));
	}

	@Test
	void hostCredentialsBecomeAnAuthorizationHeaderAndNeverShowInToString() {
		this.runner
			.withPropertyValues("worker.ollama.hosts[0].url=https://gpu-1", "worker.ollama.hosts[0].bearer-token=t0k3n",
					"worker.ollama.hosts[1].url=https://gpu-2", "worker.ollama.hosts[1].basic-auth=kow:pa55")
			.run(context -> {
				OllamaProperties ollama = context.getBean(OllamaProperties.class);
				assertThat(ollama.hosts().get(0).authorization()).isEqualTo("Bearer t0k3n");
				assertThat(ollama.hosts().get(1).authorization()).isEqualTo("Basic a293OnBhNTU=");
				assertThat(ollama.toString()).doesNotContain("t0k3n", "pa55");
			});
		this.runner
			.withPropertyValues("worker.ollama.hosts[0].url=https://gpu-1", "worker.ollama.hosts[0].bearer-token=t",
					"worker.ollama.hosts[0].basic-auth=u:p")
			.run(context -> assertThat(context.getStartupFailure())
				.hasStackTraceContaining("bearer-token and .basic-auth are exclusive"));
	}

	@Test
	void anSslBundleNeedsAnHttpsUrlAndAnExistingBundle() {
		this.runner
			.withPropertyValues("worker.ollama.hosts[0].url=http://gpu-1", "worker.ollama.hosts[0].ssl-bundle=proxy")
			.run(context -> assertThat(context.getStartupFailure())
				.hasStackTraceContaining("worker.ollama.hosts[].ssl-bundle needs an https url"));
		this.runner
			.withPropertyValues("worker.ollama.hosts[0].url=https://gpu-1", "worker.ollama.hosts[0].ssl-bundle=proxy")
			.run(context -> assertThatThrownBy(() -> new WorkerConfiguration().ollamaClient(Schedulers.immediate(),
					System::nanoTime, context.getBean(OllamaProperties.class), new DefaultSslBundleRegistry()))
				.isInstanceOf(NoSuchSslBundleException.class)
				.hasMessageContaining("'proxy'"));
	}

	@Test
	void duplicateTopicsAreRejected() {
		this.runner.withPropertyValues("worker.topics.high=same", "worker.topics.normal=same")
			.run(context -> assertThat(context.getStartupFailure()).hasStackTraceContaining("worker.topics.high"));
	}

}
