package dev.kow.worker;

import java.time.Clock;

import dev.kow.worker.batches.BatchAggregation;
import dev.kow.worker.batches.BatchCancels;
import dev.kow.worker.config.BatchesProperties;
import dev.kow.worker.config.IntakeProperties;
import dev.kow.worker.config.RegistryProperties;
import dev.kow.worker.config.TopicsProperties;
import dev.kow.worker.job.CancelledBatches;
import dev.kow.worker.topics.CompactedTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Batches ({@code worker.batches.*}): the counts that {@code batch status} reads, and the
 * cancels that {@code batch cancel} writes.
 */
@Configuration(proxyBeanMethods = false)
class BatchesConfiguration {

	/**
	 * Reads every {@code batch cancel} ({@code worker.batches.enabled}, on by default).
	 * Creates the compacted {@code worker.topics.batches} topic when it is missing (3
	 * partitions).
	 */
	@Bean(destroyMethod = "close")
	@ConditionalOnProperty(name = "worker.batches.enabled", havingValue = "true", matchIfMissing = true)
	BatchCancels batchCancels(KafkaProperties kafka, IntakeProperties intake, TopicsProperties topics,
			CancelledBatches cancelled, Clock workerClock) {
		try (Admin admin = Admin.create(KafkaClientSettings.admin(kafka, intake))) {
			CompactedTopics.ensure(admin, topics.batches(), "worker.topics.batches", 3);
		}
		return new BatchCancels(new KafkaConsumer<>(KafkaClientSettings.stateConsumer(kafka, intake, "batch-cancels")),
				topics.batches(), cancelled, workerClock);
	}

	/**
	 * This worker's part of the Kafka Streams application that publishes every batch's
	 * counts ({@code worker.batches.enabled}, on by default). Creates the compacted
	 * {@code worker.topics.batch-counts} topic when it is missing (3 partitions).
	 */
	@Bean(destroyMethod = "close")
	@ConditionalOnProperty(name = "worker.batches.enabled", havingValue = "true", matchIfMissing = true)
	BatchAggregation batchAggregation(KafkaProperties kafka, IntakeProperties intake, TopicsProperties topics,
			RegistryProperties registry, BatchesProperties batches) {
		try (Admin admin = Admin.create(KafkaClientSettings.admin(kafka, intake))) {
			CompactedTopics.ensure(admin, topics.batchCounts(), "worker.topics.batch-counts", 3);
		}
		return new BatchAggregation(KafkaClientSettings.streams(kafka, intake, batches), BatchAggregation
			.topology(topics.results(), topics.batchCounts(), BatchAggregation.resultsSerde(registry.serdeConfig())));
	}

}
