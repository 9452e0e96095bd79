DROP TABLE topic_rules;
