DROP TABLE review_scores;
