package engine

import "testing"

func BenchmarkCompareNoCaseUCA(b *testing.B) {
	x, y := "Dépassement d’honoraires non annoncé – Besançon", "Demande d’accès au dossier médical restée sans réponse"
	for b.Loop() {
		CompareNoCaseUCA(x, y)
	}
}
