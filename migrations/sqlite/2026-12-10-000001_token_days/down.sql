DROP TABLE token_days;
