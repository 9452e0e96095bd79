DROP TABLE desk_ratings;
DROP TABLE kiosks;
