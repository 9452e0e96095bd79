DROP TABLE tally_months;
