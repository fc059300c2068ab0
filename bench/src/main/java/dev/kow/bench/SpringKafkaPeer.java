package dev.kow.bench;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kow.avro.InferenceRequest;
import dev.kow.serde.KafkaAvroDeserializer;
import dev.kow.serde.KafkaAvroSerializer;
import dev.kow.sim.OllamaSimulator;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.ollama.OllamaChatModel;
import org.springframework.ai.ollama.api.OllamaApi;
import org.springframework.ai.ollama.api.OllamaChatOptions;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;
import org.springframework.kafka.annotation.EnableKafka;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.util.backoff.FixedBackOff;

/**
 * Peer 1: the idiomatic Spring Kafka answer. One {@code @KafkaListener} per lane topic
 * with listener concurrency = the slots, each record handled on its consumer thread by a
 * blocking Spring AI {@link OllamaChatModel} call (round-robin over the hosts), the
 * result sent with {@link KafkaTemplate}; failures retried by {@link DefaultErrorHandler}
 * and then dead-lettered by {@link DeadLetterPublishingRecoverer}.
 */
final class SpringKafkaPeer implements SystemUnderTest {

	private final AnnotationConfigApplicationContext context;

	SpringKafkaPeer(BenchEnvironment env, Topics topics, List<OllamaSimulator> hosts, int slotsPerHost) {
		this.context = new AnnotationConfigApplicationContext();
		Map<String, Object> props = new HashMap<>();
		props.put("peer.bootstrap", env.bootstrap);
		props.put("peer.registry", env.registry);
		props.put("peer.group", topics.group());
		props.put("peer.high", topics.high());
		props.put("peer.normal", topics.normal());
		props.put("peer.batch", topics.batch());
		props.put("peer.results", topics.results());
		props.put("peer.dlq", topics.deadLetter());
		props.put("peer.concurrency", Integer.toString(slotsPerHost * hosts.size()));
		props.put("peer.hosts", String.join(",", hosts.stream().map(OllamaSimulator::baseUrl).toList()));
		this.context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("peer", props));
		this.context.register(PeerConfiguration.class);
		this.context.refresh();
	}

	@Override
	public void close() {
		this.context.close();
	}

	@Configuration(proxyBeanMethods = false)
	@EnableKafka
	static class PeerConfiguration {

		@Bean
		ConcurrentKafkaListenerContainerFactory<String, Object> kafkaListenerContainerFactory(
				@Value("${peer.bootstrap}") String bootstrap, @Value("${peer.registry}") String registry,
				@Value("${peer.group}") String group, @Value("${peer.concurrency}") int concurrency,
				@Value("${peer.dlq}") String deadLetterTopic, KafkaTemplate<String, Object> template) {
			Map<String, Object> config = new HashMap<>();
			config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
			config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
			config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
			config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
			config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, KafkaAvroDeserializer.class);
			config.put("schema.registry.url", registry);
			config.put("specific.avro.reader", "true");
			ConcurrentKafkaListenerContainerFactory<String, Object> factory = new ConcurrentKafkaListenerContainerFactory<>();
			factory.setConsumerFactory(new DefaultKafkaConsumerFactory<>(config));
			factory.setConcurrency(concurrency);
			// the bench's dead-letter topic rather than the default "<topic>.DLT" (topics
			// are not auto-created)
			factory.setCommonErrorHandler(new DefaultErrorHandler(
					new DeadLetterPublishingRecoverer(template,
							(record, error) -> new org.apache.kafka.common.TopicPartition(deadLetterTopic, 0)),
					new FixedBackOff(1000, 3)));
			return factory;
		}

		@Bean
		KafkaTemplate<String, Object> kafkaTemplate(@Value("${peer.bootstrap}") String bootstrap,
				@Value("${peer.registry}") String registry) {
			Map<String, Object> config = new HashMap<>();
			config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
			config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
			config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, KafkaAvroSerializer.class);
			config.put("schema.registry.url", registry);
			return new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(config));
		}

		@Bean
		Listeners listeners(@Value("${peer.hosts}") String hosts, @Value("${peer.results}") String results,
				KafkaTemplate<String, Object> template) {
			List<OllamaChatModel> models = java.util.Arrays.stream(hosts.split(","))
				.map(url -> OllamaChatModel.builder()
					.ollamaApi(OllamaApi.builder().baseUrl(url).build())
					.options(OllamaChatOptions.builder().model(BenchEnvironment.MODEL).build())
					.build())
				.toList();
			return new Listeners(models, results, template);
		}

	}

	/** The listeners: one per lane topic. */
	static class Listeners {

		private final List<OllamaChatModel> models;

		private final String results;

		private final KafkaTemplate<String, Object> template;

		private final AtomicInteger next = new AtomicInteger();

		Listeners(List<OllamaChatModel> models, String results, KafkaTemplate<String, Object> template) {
			this.models = models;
			this.results = results;
			this.template = template;
		}

		@KafkaListener(id = "high", idIsGroup = false, topics = "${peer.high}", concurrency = "${peer.concurrency}")
		void high(InferenceRequest request, @Header(KafkaHeaders.RECEIVED_TOPIC) String topic) throws Exception {
			handle(request, topic);
		}

		@KafkaListener(id = "normal", idIsGroup = false, topics = "${peer.normal}", concurrency = "${peer.concurrency}")
		void normal(InferenceRequest request, @Header(KafkaHeaders.RECEIVED_TOPIC) String topic) throws Exception {
			handle(request, topic);
		}

		@KafkaListener(id = "batch", idIsGroup = false, topics = "${peer.batch}", concurrency = "${peer.concurrency}")
		void batch(InferenceRequest request, @Header(KafkaHeaders.RECEIVED_TOPIC) String topic) throws Exception {
			handle(request, topic);
		}

		private void handle(InferenceRequest request, String topic) throws Exception {
			Instant readAt = Instant.now();
			int host = Math.floorMod(this.next.getAndIncrement(), this.models.size());
			ChatResponse response = this.models.get(host)
				.call(new Prompt(new UserMessage(PeerResults.content(request)),
						OllamaChatOptions.builder()
							.model(request.getModel())
							.numPredict(request.getOptions() == null ? null : request.getOptions().getNumPredict())
							.build()));
			this.template
				.send(this.results, request.getId(),
						PeerResults.succeeded(request, topic, response.getResult().getOutput().getText(), "sim-" + host,
								readAt))
				.get(30, TimeUnit.SECONDS);
		}

	}

}
