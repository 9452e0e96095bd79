DROP TABLE returned_dossiers;
