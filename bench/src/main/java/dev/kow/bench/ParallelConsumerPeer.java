package dev.kow.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
import io.confluent.parallelconsumer.ParallelConsumerOptions;
import io.confluent.parallelconsumer.ParallelStreamProcessor;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufMono;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Peer 2: Confluent Parallel Consumer, {@code UNORDERED}, {@code maxConcurrency} = the
 * slots, one processor over the three lane topics; each record is a Reactor Netty call to
 * {@code /api/chat} (round-robin over the hosts) awaited on the processor's thread, and
 * its result produced before the function returns. Parallel Consumer retries a failing
 * record after its default 1 s delay.
 */
final class ParallelConsumerPeer implements SystemUnderTest {

	private static final ObjectMapper JSON = JsonMapper.builder().build();

	private final ParallelStreamProcessor<String, Object> processor;

	private final KafkaProducer<String, Object> producer;

	private final LoopResources loops = LoopResources.create("pc-peer", 2, true);

	private final ConnectionProvider connections = ConnectionProvider.builder("pc-peer").maxConnections(512).build();

	ParallelConsumerPeer(BenchEnvironment env, Topics topics, List<OllamaSimulator> hosts, int slotsPerHost) {
		Map<String, Object> consumerConfig = new HashMap<>();
		consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrap);
		consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, topics.group());
		consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
		consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
		consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
		consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, KafkaAvroDeserializer.class);
		consumerConfig.put("schema.registry.url", env.registry);
		consumerConfig.put("specific.avro.reader", "true");
		Map<String, Object> producerConfig = new HashMap<>();
		producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrap);
		producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
		producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, KafkaAvroSerializer.class);
		producerConfig.put("schema.registry.url", env.registry);
		this.producer = new KafkaProducer<>(producerConfig);
		List<HttpClient> clients = hosts.stream()
			.map(h -> HttpClient.create(this.connections)
				.runOn(this.loops)
				.baseUrl(h.baseUrl())
				.protocol(HttpProtocol.HTTP11))
			.toList();
		AtomicInteger next = new AtomicInteger();
		this.processor = ParallelStreamProcessor
			.createEosStreamProcessor(ParallelConsumerOptions.<String, Object>builder()
				.consumer(new KafkaConsumer<>(consumerConfig))
				.ordering(ParallelConsumerOptions.ProcessingOrder.UNORDERED)
				.maxConcurrency(slotsPerHost * hosts.size())
				.commitMode(ParallelConsumerOptions.CommitMode.PERIODIC_CONSUMER_ASYNCHRONOUS)
				.build());
		this.processor.subscribe(List.of(topics.high(), topics.normal(), topics.batch()));
		this.processor.poll(context -> {
			InferenceRequest request = (InferenceRequest) context.value();
			Instant readAt = Instant.now();
			int host = Math.floorMod(next.getAndIncrement(), clients.size());
			String text = chat(clients.get(host), request).block(Duration.ofMinutes(10));
			try {
				this.producer
					.send(new ProducerRecord<>(topics.results(), request.getId(),
							PeerResults.succeeded(request, context.getSingleConsumerRecord().topic(), text,
									"sim-" + host, readAt)))
					.get(30, TimeUnit.SECONDS);
			}
			catch (Exception ex) {
				throw new IllegalStateException("result not published for " + request.getId(), ex);
			}
		});
	}

	private static Mono<String> chat(HttpClient client, InferenceRequest request) {
		ObjectNode body = JSON.createObjectNode().put("model", request.getModel()).put("stream", false);
		body.putArray("messages").addObject().put("role", "user").put("content", PeerResults.content(request));
		if (request.getOptions() != null && request.getOptions().getNumPredict() != null) {
			body.putObject("options").put("num_predict", request.getOptions().getNumPredict());
		}
		return client.post()
			.uri("/api/chat")
			.send(ByteBufMono.fromString(Mono.just(JSON.writeValueAsString(body))))
			.responseSingle((response, content) -> content.asString(StandardCharsets.UTF_8).map(text -> {
				if (response.status().code() != 200) {
					throw new IllegalStateException("HTTP " + response.status().code() + ": " + text);
				}
				JsonNode answer = JSON.readTree(text);
				return answer.path("message").path("content").asString("");
			}));
	}

	@Override
	public void close() {
		this.processor.closeDontDrainFirst(Duration.ofSeconds(10));
		this.producer.close();
		this.connections.dispose();
		this.loops.dispose();
	}

}
