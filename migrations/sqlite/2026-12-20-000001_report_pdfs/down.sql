DROP TABLE report_pdfs;
