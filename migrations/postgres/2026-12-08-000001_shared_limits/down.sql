DROP TABLE rate_counts;
DROP TABLE throttles;
